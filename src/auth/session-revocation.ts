import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { SharedState } from '../shared-state/shared-state.js';
import { Session } from './session.entity.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from './session-revoked.event.js';

const CHANNEL = 'auth:session-revoked';
const SWEEP_INTERVAL_MS = 60_000;

const revokedKey = (sessionId: string) => `revoked-session:${sessionId}`;

interface RevocationMessage extends SessionRevokedEvent {
  origin: string;
}

/**
 * Which sessions were revoked recently enough that access tokens naming them may still be unexpired.
 *
 * The database's `session.revoked_at` is the truth; this is the fast copy every authenticated request
 * checks. A revocation is written to the shared state under a key that lives one access-token lifetime
 * (after that, every token of the session has expired anyway), kept in this process's memory, and
 * published so every other instance adds it to its memory and emits `session.revoked` at once.
 * A check answers from memory when it can and asks the shared state otherwise, so a message an
 * instance missed while Redis was away still counts.
 */
@Injectable()
export class SessionRevocation implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionRevocation.name);
  private readonly instanceId = randomUUID();
  /** Revoked session id → when its entry may be forgotten (ms). */
  private readonly known = new Map<string, number>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  constructor(
    private readonly state: SharedState,
    private readonly events: EventEmitter2,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap() {
    await this.state.subscribe(CHANNEL, (message) => this.receive(message));
    // Memory state starts empty after a restart: reload what may still have live access tokens.
    const since = new Date(Date.now() - this.config.jwt.accessTtlSeconds * 1000);
    const recent = await this.sessions.find({ select: { id: true, revokedAt: true }, where: { revokedAt: MoreThan(since) } });
    for (const session of recent) this.remember(session.id, session.revokedAt!.getTime());
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.isKnown(sessionId)) return true;
    if ((await this.state.get(revokedKey(sessionId))) === null) return false;
    this.remember(sessionId, Date.now());
    return true;
  }

  /**
   * Makes sessions that the database already marked revoked stop working everywhere, and tells
   * listeners. Call after the transaction that revoked them committed.
   */
  async announce(revoked: SessionRevokedEvent[]): Promise<void> {
    for (const event of revoked) {
      await this.state.set(revokedKey(event.sessionId), '1', this.config.jwt.accessTtlSeconds);
      this.remember(event.sessionId, Date.now());
      this.events.emit(SESSION_REVOKED, event);
      await this.state.publish(CHANNEL, JSON.stringify({ ...event, origin: this.instanceId } satisfies RevocationMessage));
    }
  }

  private receive(raw: string) {
    let message: RevocationMessage;
    try {
      message = JSON.parse(raw) as RevocationMessage;
    } catch {
      this.logger.warn('Ignored a malformed session revocation message');
      return;
    }
    if (message.origin === this.instanceId) return;
    this.remember(message.sessionId, Date.now());
    this.events.emit(SESSION_REVOKED, { sessionId: message.sessionId, userId: message.userId, reason: message.reason } satisfies SessionRevokedEvent);
  }

  private remember(sessionId: string, revokedAtMs: number) {
    this.known.set(sessionId, revokedAtMs + this.config.jwt.accessTtlSeconds * 1000);
  }

  private isKnown(sessionId: string): boolean {
    const until = this.known.get(sessionId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.known.delete(sessionId);
    return false;
  }

  private sweep() {
    const now = Date.now();
    for (const [sessionId, until] of this.known) if (until <= now) this.known.delete(sessionId);
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AccessService } from '../access/access.service.js';
import { SharedState } from '../shared-state/shared-state.js';
import { ONLINE_USERS_KEY, presenceKey } from '../users/presence-reader.js';
import { UsersRepository } from '../users/users.repository.js';
import { RealtimeServer } from './realtime-server.js';
import { ONLINE_USERS } from './realtime.metrics.js';
import { conversationRoom, userRoom } from './rooms.js';

/** How long an instance's presence entries live without renewal: the longest a crashed instance's users look online. */
export const PRESENCE_TTL_SECONDS = 30;
const HEARTBEAT_MS = 10_000;

/**
 * Writes presence (PresenceReader reads it). A user is online while any of its sockets is connected on any
 * instance. This instance counts its own sockets per user in memory and keeps one entry per user in the
 * shared state's expiring sets — `presence:instances:<user>` (this instance's id) and `presence:online`
 * (the user) — renewed by a heartbeat, so a crashed instance's users drop out by themselves. The first
 * instance to add a user announces it online; the last to remove it writes `last_seen_at` and announces
 * it offline, to the rooms of the user's conversations.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  private readonly instanceId = randomUUID();
  /** userId → sockets on this instance. */
  private readonly local = new Map<string, number>();
  /** Per user, the shared-state updates run one after another, in the order the sockets came and went. */
  private readonly queues = new Map<string, Promise<void>>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly state: SharedState,
    private readonly realtime: RealtimeServer,
    private readonly access: AccessService,
    private readonly users: UsersRepository,
    @InjectMetric(ONLINE_USERS) private readonly onlineUsers: Gauge<string>,
  ) {}

  onApplicationBootstrap() {
    this.heartbeat = setInterval(() => void this.renew(), HEARTBEAT_MS).unref();
  }

  onModuleDestroy() {
    clearInterval(this.heartbeat);
  }

  connected(userId: string): Promise<void> {
    const sockets = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, sockets);
    if (sockets > 1) return Promise.resolve();
    return this.enqueue(userId, async () => {
      const instances = await this.state.addExpiring(presenceKey(userId), this.instanceId, PRESENCE_TTL_SECONDS);
      await this.state.addExpiring(ONLINE_USERS_KEY, userId, PRESENCE_TTL_SECONDS);
      if (instances === 1) {
        await this.announce(userId, true, await this.users.lastSeenOf(userId));
      }
      await this.countOnline();
    });
  }

  disconnected(userId: string): Promise<void> {
    const sockets = (this.local.get(userId) ?? 1) - 1;
    if (sockets > 0) {
      this.local.set(userId, sockets);
      return Promise.resolve();
    }
    this.local.delete(userId);
    return this.enqueue(userId, async () => {
      // The user came back on this instance while this waited its turn: nothing went offline.
      if (this.local.has(userId)) return;
      const instances = await this.state.removeExpiring(presenceKey(userId), this.instanceId);
      if (instances === 0) {
        await this.state.removeExpiring(ONLINE_USERS_KEY, userId);
        const lastSeenAt = new Date();
        await this.users.setLastSeen(userId, lastSeenAt);
        await this.announce(userId, false, lastSeenAt);
      }
      await this.countOnline();
    });
  }

  /** Resolves once every pending presence update has run (shutdown waits for it). */
  async settled(): Promise<void> {
    while (this.queues.size) await Promise.all(this.queues.values());
  }

  private enqueue(userId: string, update: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(userId) ?? Promise.resolve())
      .then(update)
      .catch((error: unknown) => this.logger.warn(`presence update for ${userId} failed: ${(error as Error).message}`))
      .finally(() => {
        if (this.queues.get(userId) === next) this.queues.delete(userId);
      });
    this.queues.set(userId, next);
    return next;
  }

  private async announce(userId: string, online: boolean, lastSeenAt: Date | null): Promise<void> {
    const server = this.realtime.server;
    if (!server) return;
    const conversationIds = await this.access.conversationIdsOf({ id: userId });
    if (!conversationIds.length) return;
    server
      .to(conversationIds.map(conversationRoom))
      .except(userRoom(userId))
      .emit('presence', { userId, online, lastSeenAt: lastSeenAt?.toISOString() ?? null });
  }

  /** Renews this instance's entries, so they outlive the TTL for as long as the sockets stay. */
  private async renew(): Promise<void> {
    try {
      for (const userId of this.local.keys()) {
        await this.state.addExpiring(presenceKey(userId), this.instanceId, PRESENCE_TTL_SECONDS);
        await this.state.addExpiring(ONLINE_USERS_KEY, userId, PRESENCE_TTL_SECONDS);
      }
      await this.countOnline();
    } catch (error) {
      this.logger.warn(`presence heartbeat failed: ${(error as Error).message}`);
    }
  }

  private async countOnline(): Promise<void> {
    this.onlineUsers.set(await this.state.countExpiring(ONLINE_USERS_KEY));
  }
}

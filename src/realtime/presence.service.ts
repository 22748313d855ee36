import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AccessService } from '../access/access.service.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { TickBatch } from '../common/concurrency/tick-batch.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
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
 * Presence's database work waits up to 20 ms for more of the same: reconnecting users come back one handshake
 * at a time, so a batch of one turn would mostly hold one. An announcement 20 ms later is not noticed.
 */
const BATCHES = { windowMs: 20, maxBatch: 500 };

/**
 * Writes presence (PresenceReader reads it). A user is online while any of its sockets is connected on any
 * instance. This instance counts its own sockets per user in memory and keeps one entry per user in the
 * shared state's expiring sets — `presence:instances:<user>` (this instance's id) and `presence:online`
 * (the user) — renewed by a heartbeat, so a crashed instance's users drop out by themselves. The first
 * instance to add a user announces it online; the last to remove it writes `last_seen_at` and announces
 * it offline, to the rooms of the user's conversations.
 *
 * Against connect/disconnect loops: a user whose last socket went is announced offline only after
 * `PRESENCE_OFFLINE_GRACE` without one (a reconnect within it announces nothing, and nothing is written),
 * and at most `PRESENCE_EVENT_LIMIT` announcements go out per user per minute (the `presence` limit);
 * past it, the user's state as it then is goes out once, when the minute ends.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  private readonly instanceId = randomUUID();
  /** userId → sockets on this instance. */
  private readonly local = new Map<string, number>();
  /** Per user, the shared-state updates run one after another, in the order the sockets came and went. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Users whose last socket on this instance went, waiting out the grace before they go offline. */
  private readonly goingOffline = new Map<string, NodeJS.Timeout>();
  /** Users over their `presence` budget: the one announcement due when the window ends. */
  private readonly trailing = new Map<string, NodeJS.Timeout>();
  private heartbeat?: NodeJS.Timeout;
  /**
   * The database work of announcements, gathered per turn of the event loop (`TickBatch`): a reconnect
   * storm past the grace is thousands of users going offline and back at once, each a write and two reads
   * when run one by one.
   */
  private readonly lastSeenWrites = new TickBatch<{ id: string; at: Date }, void>(async (entries) => {
    await this.users.setLastSeenMany(entries);
    return entries.map(() => undefined);
  }, BATCHES);
  private readonly lastSeenReads = new TickBatch<string, Date | null>((ids) => this.users.lastSeenOfMany(ids), BATCHES);
  private readonly conversationIds = new TickBatch<string, string[]>((ids) => this.access.conversationIdsOfMany(ids), BATCHES);

  constructor(
    private readonly state: SharedState,
    private readonly realtime: RealtimeServer,
    private readonly access: AccessService,
    private readonly users: UsersRepository,
    @InjectMetric(ONLINE_USERS) private readonly onlineUsers: Gauge<string>,
    private readonly rateLimits: RateLimits,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    this.heartbeat = setInterval(() => void this.renew(), HEARTBEAT_MS).unref();
  }

  onModuleDestroy() {
    clearInterval(this.heartbeat);
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
  }

  connected(userId: string): Promise<void> {
    const sockets = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, sockets);
    if (sockets > 1) return Promise.resolve();
    const pending = this.goingOffline.get(userId);
    if (pending) {
      // Back within the grace: the user never went offline, and this instance's entry is still there.
      clearTimeout(pending);
      this.goingOffline.delete(userId);
      return Promise.resolve();
    }
    return this.enqueue(userId, async () => {
      const instances = await this.state.addExpiring(presenceKey(userId), this.instanceId, PRESENCE_TTL_SECONDS);
      await this.state.addExpiring(ONLINE_USERS_KEY, userId, PRESENCE_TTL_SECONDS);
      if (instances === 1) {
        await this.announce(userId, true, await this.lastSeenReads.call(userId));
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
    const grace = this.config.presenceOfflineGraceMs;
    if (grace <= 0) return this.goOffline(userId);
    clearTimeout(this.goingOffline.get(userId));
    const leftAt = new Date();
    this.goingOffline.set(
      userId,
      setTimeout(() => {
        this.goingOffline.delete(userId);
        void this.goOffline(userId, leftAt);
      }, grace).unref(),
    );
    return Promise.resolve();
  }

  /** The grace is over (or there is none): unless a socket came back, this instance lets go of the user. */
  private goOffline(userId: string, lastSeenAt = new Date()): Promise<void> {
    return this.enqueue(userId, async () => {
      // The user came back on this instance while this waited its turn: nothing went offline.
      if (this.local.has(userId)) return;
      const instances = await this.state.removeExpiring(presenceKey(userId), this.instanceId);
      if (instances === 0) {
        await this.state.removeExpiring(ONLINE_USERS_KEY, userId);
        await this.lastSeenWrites.call({ id: userId, at: lastSeenAt });
        await this.announce(userId, false, lastSeenAt);
      }
      await this.countOnline();
    });
  }

  /** Resolves once every pending presence update has run (shutdown waits for it); graces end now. */
  async settled(): Promise<void> {
    for (const [userId, timer] of this.goingOffline) {
      clearTimeout(timer);
      this.goingOffline.delete(userId);
      void this.goOffline(userId);
    }
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

  /** Within the user's `presence` budget, tells its contacts; past it, the state of the window's end will. */
  private async announce(userId: string, online: boolean, lastSeenAt: Date | null): Promise<void> {
    if (!this.realtime.server) return;
    const budget = await this.rateLimits.count(RateLimit.Presence, userId);
    if (budget.remaining >= 0) return this.emit(userId, online, lastSeenAt);
    if (this.trailing.has(userId)) return;
    this.trailing.set(
      userId,
      setTimeout(() => {
        this.trailing.delete(userId);
        void this.enqueue(userId, () => this.announceAsItIs(userId));
      }, budget.resetSeconds * 1000).unref(),
    );
  }

  /** The one announcement at the end of a window that went over: whatever the user's presence is now. */
  private async announceAsItIs(userId: string): Promise<void> {
    const online = this.local.has(userId) || this.goingOffline.has(userId) || (await this.state.countExpiring(presenceKey(userId))) > 0;
    await this.emit(userId, online, await this.lastSeenReads.call(userId));
  }

  private async emit(userId: string, online: boolean, lastSeenAt: Date | null): Promise<void> {
    const server = this.realtime.server;
    if (!server) return;
    const conversationIds = await this.conversationIds.call(userId);
    if (!conversationIds.length) return;
    server
      .to(conversationIds.map(conversationRoom))
      .except(userRoom(userId))
      .emit('presence', { userId, online, lastSeenAt: lastSeenAt?.toISOString() ?? null });
  }

  /** Renews this instance's entries, so they outlive the TTL for as long as the sockets stay. */
  private async renew(): Promise<void> {
    try {
      for (const userId of new Set([...this.local.keys(), ...this.goingOffline.keys()])) {
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

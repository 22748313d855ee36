import { randomUUID } from 'node:crypto';
import { HttpStatus, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { looksLikeApiKey } from '../auth/api-key-secrets.js';
import { AccessTokens } from '../auth/access-tokens.js';
import { SessionRevocation } from '../auth/session-revocation.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from '../auth/session-revoked.event.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { HANDSHAKE_SCOPE, InsufficientScope, requireScope } from '../common/auth/scopes.js';
import { AppException, RateLimited, Unauthorized } from '../common/errors/app.exception.js';
import { clientAddressOf } from '../common/http/forwarded-for.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import type { TokenBucket } from '../common/rate-limits/token-bucket.js';
import { isDatabaseUnavailable } from '../common/errors/error-envelope.js';
import { DependencyUnavailableError } from '../shared-state/shared-state.js';
import { PresenceService } from './presence.service.js';
import type { Ack } from './events.map.js';
import { type ChatSocket, RealtimeServer } from './realtime-server.js';
import { WS_CONNECTIONS } from './realtime.metrics.js';
import { RoomSync } from './room-sync.service.js';
import { userRoom } from './rooms.js';
import { TypingService } from './typing.service.js';

/** How often expired tokens are looked for: a socket hears `token.expired` at most this late. */
const EXPIRY_SWEEP_MS = 250;

/** How long a socket's slot under `SOCKETS_PER_USER` lives without renewal (an instance that died frees its own). */
const SOCKET_SLOT_TTL_SECONDS = 60;
const SOCKET_SLOT_RENEW_MS = 20_000;

/** A handshake of a user who has `SOCKETS_PER_USER` sockets connected. */
export class SocketLimit extends AppException {
  constructor(cap: number) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'SOCKET_LIMIT', `A user can have at most ${cap} sockets connected: close one first`);
  }
}

/** A `connect_error`: `message` is the code, `data` says more (`{ code, message, retryAfter? }`). */
type HandshakeError = Error & { data?: { code: string; message: string; retryAfter?: number } };

/** The error a refused handshake gives the client as `connect_error`: its message is the code. */
export function handshakeError(error: unknown): HandshakeError {
  if (error instanceof DependencyUnavailableError || isDatabaseUnavailable(error)) return new Error('SERVICE_UNAVAILABLE');
  if (error instanceof RateLimited) {
    return Object.assign(new Error('RATE_LIMITED'), {
      data: { code: 'RATE_LIMITED', message: 'Too many connection attempts, slow down', retryAfter: error.retryAfterSeconds },
    });
  }
  if (error instanceof InsufficientScope)
    return Object.assign(new Error('INSUFFICIENT_SCOPE'), { data: { code: 'INSUFFICIENT_SCOPE', message: error.message } });
  if (error instanceof SocketLimit) return Object.assign(new Error('SOCKET_LIMIT'), { data: { code: 'SOCKET_LIMIT', message: error.message } });
  return new Error('UNAUTHORIZED');
}

/**
 * A socket's session on this instance: the handshake's authentication (`auth.token`), `auth.renew`,
 * the expiry timer, revocation, and what a socket holds until it goes (presence, typing, the gauge).
 * The token is verified once per handshake or renewal; `AccessTokens.verify` answers its expiry.
 */
@Injectable()
export class SocketSessions implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SocketSessions.name);
  /** Names this instance's slots apart from another's that reuses a socket id. */
  private readonly instanceId = randomUUID();
  private closing = false;
  /**
   * Sockets of this instance holding a slot under `SOCKETS_PER_USER`, by slot. The socket itself says
   * whose it is (`data.userId`) and since when (`handshake.issued`): no record of its own per socket.
   */
  private readonly slots = new Map<string, ChatSocket>();
  private slotRenewal?: NodeJS.Timeout;
  /** Sockets this instance has finished with (disconnected, or closed at shutdown). */
  private readonly gone = new WeakSet<ChatSocket>();
  private readonly eventBuckets = new WeakMap<ChatSocket, TokenBucket>();
  /**
   * The sockets whose token expiry is watched, swept every EXPIRY_SWEEP_MS: one timer for all of them
   * where each socket had its own (a Timeout and its closure: ~250 B of every idle socket).
   */
  private readonly expiring = new Map<string, ChatSocket>();
  private expirySweep?: NodeJS.Timeout;

  constructor(
    private readonly tokens: AccessTokens,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly revocation: SessionRevocation,
    private readonly rooms: RoomSync,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly realtime: RealtimeServer,
    private readonly rateLimits: RateLimits,
    @InjectMetric(WS_CONNECTIONS) private readonly connections: Gauge<string>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    this.slotRenewal = setInterval(() => void this.renewSlots(), SOCKET_SLOT_RENEW_MS).unref();
    this.expirySweep = setInterval(() => this.sweepExpired(), EXPIRY_SWEEP_MS).unref();
  }

  onModuleDestroy() {
    clearInterval(this.slotRenewal);
    clearInterval(this.expirySweep);
  }

  /**
   * The handshake: authenticates and puts the socket in its user's and its conversations'
   * rooms before the client hears it is connected, so a client that calls /sync right after `connect`
   * can't fall between the two. Before the token is looked at, the address's `handshakes` budget; after,
   * the user's `user-handshakes` budget and a slot under `SOCKETS_PER_USER` (every instance together).
   */
  async authenticate(socket: ChatSocket): Promise<void> {
    if (this.closing) throw new DependencyUnavailableError('database');
    await this.rateLimits.consume(RateLimit.Handshakes, clientAddressOf(socket.request, this.config.trustProxy));
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || !token) throw new Unauthorized();
    const { user, expiresAt } = looksLikeApiKey(token) ? await this.apiKeys.authenticate(token) : await this.tokens.verify(token);
    requireScope(user, HANDSHAKE_SCOPE);
    await this.rateLimits.consume(RateLimit.UserHandshakes, user.id);
    const slot = this.slotOf(socket);
    if (!(await this.rateLimits.takeSlot(RateLimit.SocketsPerUser, user.id, slot, SOCKET_SLOT_TTL_SECONDS))) {
      throw new SocketLimit(this.rateLimits.budget(RateLimit.SocketsPerUser));
    }
    socket.data = { userId: user.id, role: user.role, sessionId: user.sessionId, expiresAt, ...(user.apiKey ? { apiKey: user.apiKey } : {}) };
    this.slots.set(slot, socket);
    try {
      await socket.join(userRoom(user.id));
      await this.rooms.connect(socket);
    } catch (error) {
      this.releaseSlot(slot);
      throw error;
    }
  }

  /** After the handshake: expiry, presence, a second look at the rooms. */
  connected(socket: ChatSocket): void {
    if (this.closing) {
      this.gone.add(socket);
      socket.conn.close();
      return;
    }
    this.connections.inc();
    this.armExpiry(socket);
    void this.presence.connected(socket.data.userId);
    void this.rooms.reconcile(socket);
  }

  /**
   * The `socket-events` limit, before anything else of a client event (known or not): false, and the
   * acknowledgement answered, when the socket is over it. The bucket is made at the socket's first event —
   * full, as it would be by then — so an idle socket holds none (nor a middleware closure per socket).
   */
  admitEvent(socket: ChatSocket, args: unknown[]): boolean {
    let bucket = this.eventBuckets.get(socket);
    if (!bucket) {
      bucket = this.rateLimits.bucket(RateLimit.SocketEvents);
      this.eventBuckets.set(socket, bucket);
    }
    const verdict = bucket.take();
    if (verdict.allowed) return true;
    const ack = args[args.length - 1];
    if (typeof ack === 'function')
      (ack as (response: Ack) => void)({
        ok: false,
        error: { code: 'RATE_LIMITED', message: 'Too many events on this socket, slow down', retryAfter: verdict.retryAfterSeconds },
      });
    return false;
  }

  /** The caller of a client event: who the socket's token proved, unless the session ended since. */
  async caller(socket: ChatSocket): Promise<AuthUser> {
    const { apiKey } = socket.data;
    const user: AuthUser = {
      id: socket.data.userId,
      role: socket.data.role as AuthUser['role'],
      sessionId: socket.data.sessionId,
      ...(apiKey ? { apiKey } : {}),
    };
    if (await this.revocation.isRevoked(user.sessionId)) {
      this.onSessionRevoked({ sessionId: user.sessionId, userId: user.id, reason: 'revoked' });
      throw new Unauthorized('The session has ended; sign in again');
    }
    return user;
  }

  /** `auth.renew`: a fresh access token of the same user keeps the socket past the old one's expiry. */
  async renew(socket: ChatSocket, token: string): Promise<{ expiresAt: string }> {
    const { user, expiresAt } = await this.tokens.verify(token);
    if (user.id !== socket.data.userId) throw new Unauthorized('The token belongs to another user');
    socket.data = { ...socket.data, role: user.role, sessionId: user.sessionId, expiresAt };
    return { expiresAt: new Date(expiresAt).toISOString() };
  }

  @OnEvent(SESSION_REVOKED)
  onSessionRevoked(event: SessionRevokedEvent): void {
    // Emitted on every instance: each disconnects its own sockets of that session, found in the user's room
    // (a socket keeps no room per session: one Set and one name fewer per socket).
    const namespace = this.realtime.server?.of('/');
    for (const id of namespace?.adapter.rooms.get(userRoom(event.userId)) ?? []) {
      const socket = namespace?.sockets.get(id);
      if (socket?.data.sessionId !== event.sessionId) continue;
      socket.emit('session.revoked', { reason: event.reason });
      socket.disconnect(true);
    }
  }

  /** Shutdown: no new sockets; every socket is released (presence settled) and its transport closed. */
  async close(sockets: ChatSocket[]): Promise<void> {
    this.closing = true;
    for (const socket of sockets) this.release(socket);
    for (const socket of sockets) socket.conn.close();
    await this.presence.settled();
  }

  /** Everything a socket held on this instance, once: timers, typing, presence, rooms' memberships, the gauge. */
  release(socket: ChatSocket): void {
    if (this.gone.has(socket)) return;
    this.gone.add(socket);
    this.expiring.delete(socket.id);
    this.typing.socketGone(socket.id, socket.data.userId);
    this.rooms.disconnected(socket);
    this.connections.dec();
    this.releaseSlot(this.slotOf(socket));
    void this.presence.disconnected(socket.data.userId);
  }

  private slotOf(socket: ChatSocket): string {
    return `${this.instanceId}:${socket.id}`;
  }

  private releaseSlot(slot: string): void {
    const userId = this.slots.get(slot)?.data.userId;
    if (!userId) return;
    this.slots.delete(slot);
    this.rateLimits
      .releaseSlot(RateLimit.SocketsPerUser, userId, slot)
      .catch((error: unknown) => this.logger.warn(`socket slot of ${userId} not released (it expires by itself): ${(error as Error).message}`));
  }

  /**
   * Keeps this instance's slots alive for as long as their sockets are connected; a socket whose client
   * left during the handshake (never connected, so never released) gives its slot back here.
   */
  private async renewSlots(): Promise<void> {
    try {
      for (const [slot, socket] of this.slots) {
        if (!socket.connected && Date.now() - socket.handshake.issued > SOCKET_SLOT_RENEW_MS) this.releaseSlot(slot);
        else await this.rateLimits.renewSlot(RateLimit.SocketsPerUser, socket.data.userId, slot, SOCKET_SLOT_TTL_SECONDS);
      }
    } catch (error) {
      this.logger.warn(`socket slots not renewed: ${(error as Error).message}`);
    }
  }

  /** At the access token's expiry the socket is told (`token.expired`) and disconnected, unless renewed (`sweepExpired`). */
  private armExpiry(socket: ChatSocket): void {
    this.expiring.set(socket.id, socket);
  }

  private sweepExpired(): void {
    const now = Date.now();
    for (const socket of this.expiring.values()) {
      if (now < socket.data.expiresAt) continue;
      this.expiring.delete(socket.id);
      socket.emit('token.expired', { expiredAt: new Date(socket.data.expiresAt).toISOString() });
      socket.disconnect(true);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AccessTokens } from '../auth/access-tokens.js';
import { SessionRevocation } from '../auth/session-revocation.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from '../auth/session-revoked.event.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Unauthorized } from '../common/errors/app.exception.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { isDatabaseUnavailable } from '../common/errors/error-envelope.js';
import { DependencyUnavailableError } from '../shared-state/shared-state.js';
import { PresenceService } from './presence.service.js';
import { type ChatSocket, RealtimeServer } from './realtime-server.js';
import { WS_CONNECTIONS } from './realtime.metrics.js';
import { RoomSync } from './room-sync.service.js';
import { userRoom } from './rooms.js';
import { TypingService } from './typing.service.js';

/** A room per session, so a revocation finds that session's sockets on this instance without a scan. */
const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/** setTimeout's longest delay; a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The error a refused handshake gives the client as `connect_error`'s message. */
export function handshakeError(error: unknown): Error {
  if (error instanceof DependencyUnavailableError || isDatabaseUnavailable(error)) return new Error('SERVICE_UNAVAILABLE');
  return new Error('UNAUTHORIZED');
}

/**
 * A socket's session on this instance: the handshake's authentication (`auth.token`), `auth.renew`,
 * the expiry timer, revocation, and what a socket holds until it goes (presence, typing, the gauge).
 * The token is verified once per handshake or renewal; `AccessTokens.verify` answers its expiry.
 */
@Injectable()
export class SocketSessions {
  private closing = false;
  /** Sockets this instance has finished with (disconnected, or closed at shutdown). */
  private readonly gone = new WeakSet<ChatSocket>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly revocation: SessionRevocation,
    private readonly rooms: RoomSync,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly realtime: RealtimeServer,
    private readonly rateLimits: RateLimits,
    @InjectMetric(WS_CONNECTIONS) private readonly connections: Gauge<string>,
  ) {}

  /**
   * The handshake: authenticates and puts the socket in its user's, its session's and its conversations'
   * rooms before the client hears it is connected, so a client that calls /sync right after `connect`
   * can't fall between the two.
   */
  async authenticate(socket: ChatSocket): Promise<void> {
    if (this.closing) throw new DependencyUnavailableError('database');
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || !token) throw new Unauthorized();
    const { user, expiresAt } = await this.tokens.verify(token);
    socket.data = { userId: user.id, role: user.role, sessionId: user.sessionId, expiresAt };
    await socket.join([userRoom(user.id), sessionRoom(user.sessionId)]);
    await this.rooms.connect(socket);
  }

  /** After the handshake: the `socket-events` limit (before anything else), expiry, presence, a second look at the rooms. */
  connected(socket: ChatSocket): void {
    if (this.closing) {
      this.gone.add(socket);
      socket.conn.close();
      return;
    }
    this.connections.inc();
    const limiter = this.rateLimits.bucket(RateLimit.SocketEvents);
    socket.use((packet, next) => {
      const verdict = limiter.take();
      if (verdict.allowed) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function')
        ack({ ok: false, error: { code: 'RATE_LIMITED', message: 'Too many events on this socket, slow down', retryAfter: verdict.retryAfterSeconds } });
    });
    this.armExpiry(socket);
    void this.presence.connected(socket.data.userId);
    void this.rooms.reconcile(socket);
  }

  /** The caller of a client event: who the socket's token proved, unless the session ended since. */
  async caller(socket: ChatSocket): Promise<AuthUser> {
    const user: AuthUser = { id: socket.data.userId, role: socket.data.role as AuthUser['role'], sessionId: socket.data.sessionId };
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
    if (user.sessionId !== socket.data.sessionId) {
      await socket.leave(sessionRoom(socket.data.sessionId));
      await socket.join(sessionRoom(user.sessionId));
    }
    socket.data = { ...socket.data, role: user.role, sessionId: user.sessionId, expiresAt };
    this.armExpiry(socket);
    return { expiresAt: new Date(expiresAt).toISOString() };
  }

  @OnEvent(SESSION_REVOKED)
  onSessionRevoked(event: SessionRevokedEvent): void {
    // Emitted on every instance: each disconnects its own sockets of that session.
    const server = this.realtime.server;
    server?.local.to(sessionRoom(event.sessionId)).emit('session.revoked', { reason: event.reason });
    server?.local.in(sessionRoom(event.sessionId)).disconnectSockets(true);
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
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    this.typing.socketGone(socket.id, socket.data.userId);
    this.rooms.disconnected(socket);
    this.connections.dec();
    void this.presence.disconnected(socket.data.userId);
  }

  /** At the access token's expiry the socket is told (`token.expired`) and disconnected, unless renewed. */
  private armExpiry(socket: ChatSocket): void {
    clearTimeout(this.expiryTimers.get(socket.id));
    const delay = socket.data.expiresAt - Date.now();
    const timer = setTimeout(
      () => {
        if (Date.now() < socket.data.expiresAt) return this.armExpiry(socket);
        socket.emit('token.expired', { expiredAt: new Date(socket.data.expiresAt).toISOString() });
        socket.disconnect(true);
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    this.expiryTimers.set(socket.id, timer.unref());
  }
}

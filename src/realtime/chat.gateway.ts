import { type BeforeApplicationShutdown, HttpStatus, Logger, type Type } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { SkipThrottle } from '@nestjs/throttler';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AccessTokens } from '../auth/access-tokens.js';
import { SessionRevocation } from '../auth/session-revocation.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from '../auth/session-revoked.event.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AppException, Unauthorized } from '../common/errors/app.exception.js';
import { isDatabaseUnavailable } from '../common/errors/error-envelope.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { MEMBERSHIP_CHANGED, type MembershipChanged } from '../conversations/membership.events.js';
import { MembershipService } from '../conversations/membership.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { DependencyUnavailableError } from '../shared-state/shared-state.js';
import { toFailedAck, validatePayload } from './acks.js';
import { type Ack, CLIENT_EVENTS, type ClientEventName, clientEvent } from './events.map.js';
import { PresenceService } from './presence.service.js';
import { type ChatServer, type ChatSocket, RealtimeServer } from './realtime-server.js';
import { WS_CONNECTIONS } from './realtime.metrics.js';
import { RoomMemberships } from './room-memberships.js';
import { conversationRoom, MAX_CONVERSATION_ROOMS, userRoom } from './rooms.js';
import { SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND, SocketRateLimiter } from './socket-rate-limiter.js';
import { TypingService } from './typing.service.js';

/** A room per session, so a revocation finds that session's sockets on this instance without a scan. */
const sessionRoom = (sessionId: string) => `session:${sessionId}`;
const CONVERSATION_ROOM_PREFIX = conversationRoom('');
/** setTimeout's longest delay; a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type PayloadOf<E extends ClientEventName> = InstanceType<(typeof CLIENT_EVENTS)[E]['payload']>;

class RoomLimitReached extends AppException {
  constructor() {
    super(HttpStatus.CONFLICT, 'ROOM_LIMIT', `A socket can be in at most ${MAX_CONVERSATION_ROOMS} conversation rooms: leave one first`);
  }
}

/** The error a refused handshake gives the client as `connect_error`'s message. */
function handshakeError(error: unknown): Error {
  if (error instanceof DependencyUnavailableError || isDatabaseUnavailable(error)) return new Error('SERVICE_UNAVAILABLE');
  return new Error('UNAUTHORIZED');
}

/** The `exp` of a token whose signature was already verified, in ms. */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  return typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now();
}

/**
 * The Socket.IO gateway, on the app's own port. The handshake middleware authenticates (`auth.token`) and
 * puts the socket in its user's room, its session's room and its conversations' rooms before the client
 * hears it is connected, so a client that calls /sync right after `connect` can't fall between the two.
 * Every client event is rate-limited per socket, validated like a REST body, handled by the same services
 * as REST, and answered through its acknowledgement: the handlers never throw.
 */
@WebSocketGateway()
// Handlers take (socket, payload) without parameter decorators on purpose: decorated parameters go through
// the app's global (HTTP) pipes; payloads are validated in `handle`, by the event map's classes.
// The global HTTP throttler counts requests per minute and answers with headers; sockets have their own
// limits (per socket here, MESSAGE_RATE_LIMIT and TYPING_RATE_LIMIT per user in the services).
@SkipThrottle()
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  private server?: ChatServer;
  private closing = false;
  /** Sockets this instance has finished with (disconnected, or closed at shutdown). */
  private readonly gone = new WeakSet<ChatSocket>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly revocation: SessionRevocation,
    private readonly rooms: RoomMemberships,
    private readonly membership: MembershipService,
    private readonly messages: MessagesService,
    private readonly conversations: ConversationsService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly realtime: RealtimeServer,
    @InjectMetric(WS_CONNECTIONS) private readonly connections: Gauge<string>,
  ) {}

  afterInit(server: ChatServer) {
    this.server = server;
    this.realtime.attach(server);
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => next(handshakeError(error)),
      );
    });
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    if (this.closing) throw new DependencyUnavailableError('database');
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || !token) throw new Unauthorized();
    const user = await this.tokens.verify(token);
    socket.data = { userId: user.id, role: user.role, sessionId: user.sessionId, expiresAt: expiryOf(token) };
    const conversationIds = await this.rooms.roomConversationIds(user.id);
    await socket.join([userRoom(user.id), sessionRoom(user.sessionId), ...conversationIds.map(conversationRoom)]);
  }

  handleConnection(socket: ChatSocket) {
    if (this.closing) {
      this.gone.add(socket);
      socket.conn.close();
      return;
    }
    this.connections.inc();
    const limiter = new SocketRateLimiter(SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND);
    socket.use((packet, next) => {
      const verdict = limiter.take();
      if (verdict.allowed) return next();
      const ack = packet[packet.length - 1];
      const refusal: Ack = { ok: false, error: { code: 'RATE_LIMITED', message: 'Too many events on this socket, slow down', retryAfter: verdict.retryAfterSeconds } };
      if (typeof ack === 'function') (ack as (response: Ack) => void)(refusal);
    });
    this.armExpiry(socket);
    void this.presence.connected(socket.data.userId);
    void this.reconcileRooms(socket);
  }

  handleDisconnect(socket: ChatSocket) {
    this.release(socket);
  }

  /**
   * Shutdown: every socket's transport is closed (clients see `transport close` and reconnect, to another
   * instance behind a load balancer), and presence is settled while the database and Redis still answer.
   */
  async beforeApplicationShutdown() {
    this.closing = true;
    const sockets = [...(this.server?.of('/').sockets.values() ?? [])];
    for (const socket of sockets) this.release(socket);
    for (const socket of sockets) socket.conn.close();
    await this.presence.settled();
    this.realtime.detach();
  }

  @OnEvent(SESSION_REVOKED)
  onSessionRevoked(event: SessionRevokedEvent) {
    // Emitted on every instance: each disconnects its own sockets of that session.
    this.server?.local.to(sessionRoom(event.sessionId)).emit('session.revoked', { reason: event.reason });
    this.server?.local.in(sessionRoom(event.sessionId)).disconnectSockets(true);
  }

  @OnEvent(MEMBERSHIP_CHANGED)
  onMembershipChanged(change: MembershipChanged) {
    // Emitted on the instance that made the change; the adapter moves the sockets on every instance.
    const room = conversationRoom(change.conversationId);
    if (change.addedUserIds.length) this.server?.in(change.addedUserIds.map(userRoom)).socketsJoin(room);
    if (change.removedUserIds.length) this.server?.in(change.removedUserIds.map(userRoom)).socketsLeave(room);
  }

  @SubscribeMessage(clientEvent('conversation.join'))
  join(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.join', payload, async ({ conversationId }, user) => {
      await this.membership.requireMember(user.id, conversationId);
      const room = conversationRoom(conversationId);
      if (socket.rooms.has(room)) return;
      if ([...socket.rooms].filter((name) => name.startsWith(CONVERSATION_ROOM_PREFIX)).length >= MAX_CONVERSATION_ROOMS) throw new RoomLimitReached();
      await socket.join(room);
      // A removal that committed between the check and the join could not take this socket out.
      await this.membership.requireMember(user.id, conversationId).catch(async (error: unknown) => {
        await socket.leave(room);
        throw error;
      });
    });
  }

  @SubscribeMessage(clientEvent('conversation.leave'))
  leave(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.leave', payload, async ({ conversationId }, user) => {
      await this.membership.requireMember(user.id, conversationId);
      await socket.leave(conversationRoom(conversationId));
    });
  }

  @SubscribeMessage(clientEvent('message.send'))
  send(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'message.send', payload, async ({ conversationId, ...body }, user) => {
      const { message } = await this.messages.send(user, conversationId, body, 'ws');
      return message;
    });
  }

  @SubscribeMessage(clientEvent('typing.start'))
  typingStart(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.start', payload, async ({ conversationId }, user) => {
      await this.typing.throttle(user.id);
      await this.requireMember(socket, conversationId);
      this.typing.start(socket.id, user.id, conversationId);
    });
  }

  @SubscribeMessage(clientEvent('typing.stop'))
  typingStop(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.stop', payload, async ({ conversationId }, user) => {
      await this.typing.throttle(user.id);
      await this.requireMember(socket, conversationId);
      this.typing.stop(socket.id, user.id, conversationId);
    });
  }

  @SubscribeMessage(clientEvent('message.delivered'))
  delivered(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'message.delivered', payload, ({ conversationId, seq }, user) => this.conversations.markDelivered(user, conversationId, seq));
  }

  @SubscribeMessage(clientEvent('conversation.read'))
  read(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.read', payload, ({ conversationId, seq }, user) => this.conversations.markRead(user, conversationId, seq));
  }

  @SubscribeMessage(clientEvent('auth.renew'))
  renew(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'auth.renew', payload, async ({ token }) => {
      const user = await this.tokens.verify(token);
      if (user.id !== socket.data.userId) throw new Unauthorized('The token belongs to another user');
      if (user.sessionId !== socket.data.sessionId) {
        await socket.leave(sessionRoom(socket.data.sessionId));
        await socket.join(sessionRoom(user.sessionId));
      }
      socket.data = { ...socket.data, role: user.role, sessionId: user.sessionId, expiresAt: expiryOf(token) };
      this.armExpiry(socket);
      return { expiresAt: new Date(socket.data.expiresAt).toISOString() };
    });
  }

  /**
   * Runs a client event: validates the payload with its class from the event map, checks that the
   * session still stands, runs it, and turns the outcome — or any error — into the acknowledgement.
   */
  private async handle<E extends ClientEventName>(
    socket: ChatSocket,
    event: E,
    payload: unknown,
    run: (dto: PayloadOf<E>, user: AuthUser) => Promise<unknown>,
  ): Promise<Ack> {
    try {
      const dto = (await validatePayload(CLIENT_EVENTS[event].payload as Type<object>, payload)) as PayloadOf<E>;
      const user: AuthUser = { id: socket.data.userId, role: socket.data.role as AuthUser['role'], sessionId: socket.data.sessionId };
      if (await this.revocation.isRevoked(user.sessionId)) {
        this.onSessionRevoked({ sessionId: user.sessionId, userId: user.id, reason: 'revoked' });
        throw new Unauthorized('The session has ended; sign in again');
      }
      const data = await run(dto, user);
      return data === undefined ? { ok: true } : { ok: true, data };
    } catch (error) {
      return toFailedAck(error, this.logger, { event, userId: socket.data.userId });
    }
  }

  /** Cheap when the socket is in the room (rooms follow membership); asks the database otherwise. */
  private async requireMember(socket: ChatSocket, conversationId: string): Promise<void> {
    if (socket.rooms.has(conversationRoom(conversationId))) return;
    await this.membership.requireMember(socket.data.userId, conversationId);
  }

  /**
   * The rooms joined in the handshake came from a read that a membership change may have overtaken
   * while the socket wasn't connected yet (the adapter moves connected sockets only); read again.
   */
  private async reconcileRooms(socket: ChatSocket): Promise<void> {
    try {
      const current = new Set((await this.rooms.roomConversationIds(socket.data.userId)).map(conversationRoom));
      if (!socket.connected) return;
      const stale = [...socket.rooms].filter((room) => room.startsWith(CONVERSATION_ROOM_PREFIX) && !current.has(room));
      for (const room of stale) await socket.leave(room);
      const missing = [...current].filter((room) => !socket.rooms.has(room));
      if (missing.length) await socket.join(missing);
    } catch (error) {
      this.logger.warn(`re-reading the rooms of socket ${socket.id} failed: ${(error as Error).message}`);
    }
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

  /** Everything a socket held on this instance, once: timers, typing, presence, the gauge. */
  private release(socket: ChatSocket): void {
    if (this.gone.has(socket)) return;
    this.gone.add(socket);
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    this.typing.socketGone(socket.id, socket.data.userId);
    this.connections.dec();
    void this.presence.disconnected(socket.data.userId);
  }
}

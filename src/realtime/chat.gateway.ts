import { type BeforeApplicationShutdown, Logger, type Type } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { AuthUser } from '../common/auth/auth-user.js';
import { requireScope, SOCKET_EVENT_SCOPES } from '../common/auth/scopes.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { toFailedAck, validatePayload } from './acks.js';
import { type Ack, CLIENT_EVENTS, type ClientEventName, clientEvent } from './events.map.js';
import { type ChatServer, type ChatSocket, RealtimeServer } from './realtime-server.js';
import { RoomSync } from './room-sync.service.js';
import { handshakeError, SocketSessions } from './socket-sessions.service.js';
import { TypingService } from './typing.service.js';

type PayloadOf<E extends ClientEventName> = InstanceType<(typeof CLIENT_EVENTS)[E]['payload']>;

/**
 * The Socket.IO gateway, on the app's own port: it only translates client events into service calls.
 * Sessions (handshake, renewal, expiry, revocation) are `SocketSessions`, rooms `RoomSync`, delivery
 * `EventDelivery`. Each event is validated like a REST body, its caller's session checked, then handed
 * to the service that REST uses — whose first step is the permission (src/access), then the budget —
 * and the outcome, or any error, becomes the acknowledgement: the handlers never throw.
 */
@WebSocketGateway()
// Handlers take (socket, payload) without parameter decorators on purpose: decorated parameters go through
// the app's global (HTTP) pipes; payloads are validated in `handle`, by the event map's classes. Sockets
// have their own limits (`socket-events` in SocketSessions, per user in the services), not the HTTP ones.
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  private server?: ChatServer;

  constructor(
    private readonly sessions: SocketSessions,
    private readonly rooms: RoomSync,
    private readonly messages: MessagesService,
    private readonly conversations: ConversationsService,
    private readonly typing: TypingService,
    private readonly realtime: RealtimeServer,
  ) {}

  afterInit(server: ChatServer) {
    this.server = server;
    this.realtime.attach(server);
    server.use(
      (socket, next) =>
        void this.sessions.authenticate(socket).then(
          () => next(),
          (error: unknown) => next(handshakeError(error)),
        ),
    );
  }

  handleConnection(socket: ChatSocket) {
    this.sessions.connected(socket);
  }

  handleDisconnect(socket: ChatSocket) {
    this.sessions.release(socket);
  }

  /** Shutdown: transports closed (clients reconnect elsewhere), presence settled while the stores still answer. */
  async beforeApplicationShutdown() {
    await this.sessions.close([...(this.server?.of('/').sockets.values() ?? [])]);
    this.realtime.detach();
  }

  @SubscribeMessage(clientEvent('conversation.join'))
  join(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.join', payload, ({ conversationId }, user) => this.rooms.join(user, socket, conversationId));
  }

  @SubscribeMessage(clientEvent('conversation.leave'))
  leave(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.leave', payload, ({ conversationId }, user) => this.rooms.leave(user, socket, conversationId));
  }

  @SubscribeMessage(clientEvent('message.send'))
  send(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(
      socket,
      'message.send',
      payload,
      async ({ conversationId, ...body }, user) => (await this.messages.send(user, conversationId, body, 'ws')).message,
    );
  }

  @SubscribeMessage(clientEvent('typing.start'))
  typingStart(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.start', payload, ({ conversationId }, user) => this.typing.startTyping(user, socket.id, conversationId));
  }

  @SubscribeMessage(clientEvent('typing.stop'))
  typingStop(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.stop', payload, ({ conversationId }, user) => this.typing.stopTyping(user, socket.id, conversationId));
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
    return this.handle(socket, 'auth.renew', payload, ({ token }) => this.sessions.renew(socket, token));
  }

  /** Validates the payload with its class from the event map, checks the session and an API key's scope, runs, and acknowledges. */
  private async handle<E extends ClientEventName>(
    socket: ChatSocket,
    event: E,
    payload: unknown,
    run: (dto: PayloadOf<E>, user: AuthUser) => Promise<unknown>,
  ): Promise<Ack> {
    try {
      const dto = (await validatePayload(CLIENT_EVENTS[event].payload as Type<object>, payload)) as PayloadOf<E>;
      const user = await this.sessions.caller(socket);
      requireScope(user, SOCKET_EVENT_SCOPES[event]);
      const data = await run(dto, user);
      return data === undefined ? { ok: true } : { ok: true, data };
    } catch (error) {
      return toFailedAck(error, this.logger, { event, userId: socket.data.userId });
    }
  }
}

import { type BeforeApplicationShutdown, Logger, type Type } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { AuthUser } from '../common/auth/auth-user.js';
import { requireScope, SOCKET_EVENT_SCOPES } from '../common/auth/scopes.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { toFailedAck, validatePayload } from './acks.js';
import { type Ack, CLIENT_EVENTS, type ClientEventName } from './events.map.js';
import { type ChatServer, type ChatSocket, RealtimeServer } from './realtime-server.js';
import { RoomSync } from './room-sync.service.js';
import { handshakeError, SocketSessions } from './socket-sessions.service.js';
import { TypingService } from './typing.service.js';

type PayloadOf<E extends ClientEventName> = InstanceType<(typeof CLIENT_EVENTS)[E]['payload']>;

/** The gateway's method for each client event (the unit test checks the table against the event map). */
export const CLIENT_EVENT_METHODS = {
  'conversation.join': 'join',
  'conversation.leave': 'leave',
  'message.send': 'send',
  'typing.start': 'typingStart',
  'typing.stop': 'typingStop',
  'message.delivered': 'delivered',
  'conversation.read': 'read',
  'auth.renew': 'renew',
} as const satisfies Record<ClientEventName, keyof ChatGateway>;

type EventMethod = (typeof CLIENT_EVENT_METHODS)[ClientEventName];

/**
 * Socket.IO's arguments of an event as a handler takes them (Nest's `mapPayload`): the payload — several
 * become an array — and the acknowledgement callback when the last one is a function.
 */
export function eventArguments(args: unknown[]): { payload: unknown; ack?: (response: Ack) => void } {
  const last = args[args.length - 1];
  if (typeof last !== 'function') return { payload: args.length === 1 ? args[0] : args };
  const rest = args.slice(0, -1);
  return { payload: rest.length === 1 ? rest[0] : rest.length ? rest : undefined, ack: last as (response: Ack) => void };
}

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
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  private server?: ChatServer;
  /**
   * One listener per client event for every socket — Socket.IO calls it with the socket as `this` — so a
   * socket holds nine references, not nine closures over it (Nest's `@SubscribeMessage` binds each
   * handler to each socket and keeps a listener per handler per socket: ~1.5 KiB of an idle socket's heap).
   */
  private readonly listeners = (Object.keys(CLIENT_EVENT_METHODS) as ClientEventName[]).map(
    (event) => [event, listenerFor(this, CLIENT_EVENT_METHODS[event])] as const,
  );

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

  private readonly onDisconnect = disconnectListenerFor(this);
  private readonly onAnyEvent = anyEventListenerFor(this);

  handleConnection(socket: ChatSocket) {
    this.sessions.connected(socket);
    socket.onAny(this.onAnyEvent);
    for (const [event, listener] of this.listeners) socket.on(event, listener);
    socket.on('disconnect', this.onDisconnect);
  }

  /** Runs the event's method and acknowledges with its outcome (the methods never throw: `handle`). */
  dispatch(socket: ChatSocket, method: EventMethod, args: unknown[]): void {
    if (!this.sessions.admitEvent(socket, args)) return;
    const { payload, ack } = eventArguments(args);
    this[method](socket, payload).then(
      (outcome) => ack?.(outcome),
      (error: unknown) => this.logger.error(error),
    );
  }

  /**
   * An event no handler listens to gets an error acknowledgement instead of silence, so a client with a
   * typo (or built against a newer server) finds out at once — within the socket's event limit, like any.
   */
  unknownEvent(socket: ChatSocket, event: unknown, args: unknown[]): void {
    if (typeof event === 'string' && Object.hasOwn(CLIENT_EVENT_METHODS, event)) return;
    if (!this.sessions.admitEvent(socket, args)) return;
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    const refusal: Ack = {
      ok: false,
      error: { code: 'UNKNOWN_EVENT', message: `There is no client event ${JSON.stringify(String(event)).slice(0, 80)}; see /docs/asyncapi.json` },
    };
    (ack as (response: Ack) => void)(refusal);
  }

  /** The socket went (the adapter leaves disconnects to the gateway: `ChatIoAdapter.bindClientDisconnect`). */
  disconnected(socket: ChatSocket) {
    this.sessions.release(socket);
  }

  /** Shutdown: transports closed (clients reconnect elsewhere), presence settled while the stores still answer. */
  async beforeApplicationShutdown() {
    await this.sessions.close([...(this.server?.of('/').sockets.values() ?? [])]);
    this.realtime.detach();
  }

  join(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.join', payload, ({ conversationId }, user) => this.rooms.join(user, socket, conversationId));
  }

  leave(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.leave', payload, ({ conversationId }, user) => this.rooms.leave(user, socket, conversationId));
  }

  send(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(
      socket,
      'message.send',
      payload,
      async ({ conversationId, ...body }, user) => (await this.messages.send(user, conversationId, body, 'ws')).message,
    );
  }

  typingStart(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.start', payload, ({ conversationId }, user) => this.typing.startTyping(user, socket.id, conversationId));
  }

  typingStop(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'typing.stop', payload, ({ conversationId }, user) => this.typing.stopTyping(user, socket.id, conversationId));
  }

  delivered(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'message.delivered', payload, ({ conversationId, seq }, user) => this.conversations.markDelivered(user, conversationId, seq));
  }

  read(socket: ChatSocket, payload: unknown): Promise<Ack> {
    return this.handle(socket, 'conversation.read', payload, ({ conversationId, seq }, user) => this.conversations.markRead(user, conversationId, seq));
  }

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

/** The shared listener of one client event: the socket it fires on is `this`. */
function listenerFor(gateway: ChatGateway, method: EventMethod) {
  return function onClientEvent(this: ChatSocket, ...args: unknown[]): void {
    gateway.dispatch(this, method, args);
  };
}

/** The shared disconnect listener: the socket that went is `this`. */
function disconnectListenerFor(gateway: ChatGateway) {
  return function onDisconnect(this: ChatSocket): void {
    gateway.disconnected(this);
  };
}

/** The shared catch-all listener (Socket.IO's `onAny`, before the event's own listener): `this` is the socket. */
function anyEventListenerFor(gateway: ChatGateway) {
  return function onAnyEvent(this: ChatSocket, event: unknown, ...args: unknown[]): void {
    gateway.unknownEvent(this, event, args);
  };
}

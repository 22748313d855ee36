import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Server, ServerOptions, Socket as IoSocket } from 'socket.io';
import type { AppConfig } from '../config/app-config.js';
import { socketCorsOptions } from '../common/http/cors.js';
import { createRedisClient, pubSubNamespace } from '../shared-state/redis-shared-state.js';
import type { ChatServer } from './realtime-server.js';

/** The largest frame a client may send (an event with its payload); bigger ones close the connection. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Channel prefix of the Redis adapter, apart from anything else in the same Redis. */
const REDIS_ADAPTER_KEY = 'chat:socket.io';
/** After the adapter's subscriber comes back, give it a moment to re-subscribe before telling clients to /sync. */
const RESYNC_HINT_DELAY_MS = 500;

/**
 * Browsers always send `Origin` with the handshake; other clients (mobile apps, servers) send none and are
 * let in, since the access token is what authenticates. A browser page may connect from the configured
 * origins (`CORS_ORIGINS`, `*` for any) or from the server's own origin.
 */
export function isOriginAllowed(request: Pick<IncomingMessage, 'headers'>, allowed: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * Socket.IO on the HTTP server of the app (same port as REST, path `/socket.io`), with the limits and
 * origin checks from the configuration. Connection state recovery stays off: /sync is how a client
 * catches up, across restarts and instances, which Socket.IO's recovery can't do.
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    protected readonly config: AppConfig,
  ) {
    super(app);
  }

  /**
   * Nest's per-socket plumbing for gateway handlers — an RxJS `disconnect$` per socket, kept in a WeakMap,
   * and a listener per handler per socket — was ~1.5 KiB of every idle socket's heap. `ChatGateway` adds one
   * listener per client event shared by all sockets, and its own disconnect listener, instead: a handler
   * declared with `@SubscribeMessage` would never run here, so it fails at the first connection.
   */
  override bindMessageHandlers(_socket: IoSocket, handlers: MessageMappingProperties[]): void {
    if (handlers.length) throw new Error('@SubscribeMessage handlers are not bound by ChatIoAdapter: list the event in the gateway');
  }

  /** See `bindMessageHandlers`: the gateway listens for its sockets' disconnects itself. */
  override bindClientDisconnect(): void {}

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    const server: Server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      serveClient: false,
      maxHttpBufferSize: MAX_EVENT_BYTES,
      cors: socketCorsOptions(origins),
      allowRequest: (request, callback) => callback(null, isOriginAllowed(request, origins)),
    } satisfies Partial<ServerOptions> as ServerOptions);
    server.engine.on('connection', (connection: EngineConnection) => dropClearedIdleTimer(connection.transport?.socket?._socket));
    return server;
  }
}

/** What `dropClearedIdleTimer` reads of an Engine.IO connection: a WebSocket transport's TCP socket. */
interface EngineConnection {
  transport?: { socket?: { _socket?: Socket } };
}

/**
 * Node keeps a TCP socket's idle timer after `setTimeout(0)` has cleared it (`socket[kTimeout]`). ws clears
 * the HTTP server's idle timeout when it takes a connection over, and the cleared `Timeout` (~130 B) then
 * lived as long as the WebSocket. Dropped at the connection for clients that open with WebSocket (those
 * that upgrade from polling keep it); a Node without that property is left alone.
 */
export function dropClearedIdleTimer(socket: Socket | undefined): void {
  if (!socket || socket.timeout !== 0) return;
  const timer = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'timeout');
  if (timer) (socket as unknown as Record<symbol, unknown>)[timer] = null;
}

/**
 * With `REDIS_URL`: the same, plus @socket.io/redis-adapter, so a room emit on one instance reaches that
 * room's sockets on every instance, and `socketsJoin`/`socketsLeave` move sockets wherever they live.
 */
export class RedisChatIoAdapter extends ChatIoAdapter {
  private readonly redisLogger = new Logger('SocketIoRedisAdapter');
  private readonly clients: Redis[] = [];

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    const url = this.config.redisUrl!;
    // Publishing fails fast while Redis is away (no offline queue): a stale event is worse than a missed
    // one, which /sync recovers. The subscriber queues and retries forever, and ioredis re-subscribes.
    const publisher = createRedisClient(url, 'io-publisher', this.redisLogger);
    const subscriber = createRedisClient(url, 'io-subscriber', this.redisLogger, { enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.clients.push(publisher, subscriber);
    server.adapter(
      createAdapter(ignorePublishFailures(publisher), ignoreUnsubscribeFailures(subscriber), { key: `${REDIS_ADAPTER_KEY}:${pubSubNamespace(url)}` }),
    );
    this.hintResyncAfterOutages(server as ChatServer, subscriber);
    return server;
  }

  /**
   * Closes the Redis connections without waiting on Redis: QUIT on the subscriber (offline queue, no
   * command timeout) would wait for as long as a hung Redis hangs, and shutdown would run into its
   * deadline. Nothing is lost: the subscriber holds only subscriptions, and publishes are fire and forget.
   */
  override async dispose() {
    for (const client of this.clients) client.disconnect();
  }

  /** While the subscriber was away, this instance's sockets missed other instances' events: they /sync. */
  private hintResyncAfterOutages(server: ChatServer, subscriber: Redis) {
    let lost = false;
    subscriber.on('close', () => {
      lost = true;
    });
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      setTimeout(() => server.local.emit('sync.required', { reason: 'redis_reconnected' }), RESYNC_HINT_DELAY_MS).unref();
    });
  }
}

/**
 * The Redis adapter publishes without awaiting the reply; while Redis is away each publish would reject
 * unhandled, which ends a Node process. The outage itself is logged by the client's error handler.
 */
function ignorePublishFailures(client: Redis): Redis {
  const publish = client.publish.bind(client) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
  (client as { publish: unknown }).publish = (channel: string | Buffer, message: string | Buffer) => publish(channel, message).catch(() => 0);
  return client;
}

/**
 * At shutdown the Redis adapter's `close()` unsubscribes without awaiting, and `dispose()` disconnects the
 * subscriber right after: unless Redis answered in between, both commands reject with "Connection is
 * closed" with nobody listening — unhandled rejections, which end a Node process (and fail a test suite).
 * A closed connection has nothing left to unsubscribe from.
 */
function ignoreUnsubscribeFailures(client: Redis): Redis {
  for (const name of ['unsubscribe', 'punsubscribe'] as const) {
    const unsubscribe = client[name].bind(client) as (...channels: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[name] = (...channels: unknown[]) => unsubscribe(...channels).catch(() => 0);
  }
  return client;
}

export function createSocketAdapter(app: INestApplicationContext, config: AppConfig): ChatIoAdapter {
  return config.redisUrl ? new RedisChatIoAdapter(app, config) : new ChatIoAdapter(app, config);
}

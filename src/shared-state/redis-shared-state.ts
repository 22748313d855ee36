import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { DependencyUnavailableError, SharedState } from './shared-state.js';

/** Redis answers in well under a millisecond; a command unanswered after this means a stuck connection. */
const COMMAND_TIMEOUT_MS = 1_000;
const COMMAND_TIMED_OUT = 'Command timed out';

/**
 * A client without an offline queue, that also gives up on a command Redis does not answer. A hung Redis
 * or a network partition that sends no reset leaves the connection open: every command sent on it would
 * wait (and stay queued in memory, the timed-out ones too) until TCP gives up, minutes later. The first
 * timed-out command drops the connection, which releases the queue at once; ioredis reconnects by itself.
 */
class FailFastRedis extends Redis {
  /** The connection already being dropped: every command that timed out on it asks again. */
  private droppedStream: unknown;

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    const [command] = args;
    const result = super.sendCommand(...args);
    command.promise.catch((error: Error) => {
      const { stream } = this as unknown as { stream?: unknown };
      if (error.message !== COMMAND_TIMED_OUT || this.status !== 'ready' || stream === this.droppedStream) return;
      this.droppedStream = stream;
      this.disconnect(true);
    });
    return result;
  }
}

/**
 * Fails fast while Redis is away (no offline queue, one try, at most a second per command), and
 * reconnects by itself. `overrides` adjust that for clients with other needs (e.g. Socket.IO's adapter
 * subscriber); a client given an offline queue waits for Redis instead, without a command timeout.
 */
/**
 * Redis keeps one pub/sub space for the whole server, whatever database a client selected: two
 * deployments sharing a Redis on different database numbers would otherwise hear each other's
 * events. Every channel (ours and the Socket.IO adapter's) is prefixed with the URL's database number.
 */
export function pubSubNamespace(url: string): string {
  const db = Number(new URL(url).pathname.slice(1) || 0);
  return `db${Number.isInteger(db) ? db : 0}`;
}

export function createRedisClient(url: string, name: string, logger: Logger, overrides: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    connectionName: `chat-${name}`,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: name === 'subscriber',
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  };
  // A command whose caller already got an error must not run later on a new connection (an INCR twice).
  const client = options.enableOfflineQueue
    ? new Redis(url, options)
    : new FailFastRedis(url, { commandTimeout: COMMAND_TIMEOUT_MS, autoResendUnfulfilledCommands: false, ...options });
  let reported = false;
  client.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; one line per outage is enough.
    if (!reported) logger.warn(`Redis (${name}) unavailable: ${error.message}`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.log(`Redis (${name}) reconnected`);
    reported = false;
  });
  return client;
}

/*
 * Expiring sets are sorted sets scored by each member's expiry (ms, Redis's own clock, so instances with
 * skewed clocks agree). Each script drops expired members first, and keeps the key itself alive exactly
 * as long as its newest member.
 */
const DROP_EXPIRED = `
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;
const KEEP_KEY_ALIVE = `
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then redis.call('PEXPIREAT', KEYS[1], newest[2]) end
return redis.call('ZCARD', KEYS[1])`;
const EXPIRING_SCRIPTS = {
  addExpiring: `${DROP_EXPIRED}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]) * 1000, ARGV[1])
${KEEP_KEY_ALIVE}`,
  removeExpiring: `${DROP_EXPIRED}
redis.call('ZREM', KEYS[1], ARGV[1])
${KEEP_KEY_ALIVE}`,
  countExpiring: `${DROP_EXPIRED}
return redis.call('ZCARD', KEYS[1])`,
};

type ExpiringCommands = {
  [name in keyof typeof EXPIRING_SCRIPTS]: (key: string, ...args: Array<string | number>) => Promise<number>;
};

export class RedisSharedState extends SharedState {
  readonly spansInstances = true;
  private readonly logger = new Logger('SharedState');
  readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();
  private readonly namespace: string;

  constructor(url: string) {
    super();
    this.namespace = pubSubNamespace(url);
    this.client = createRedisClient(url, 'state', this.logger);
    this.subscriber = createRedisClient(url, 'subscriber', this.logger);
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    for (const [name, lua] of Object.entries(EXPIRING_SCRIPTS)) this.client.defineCommand(name, { numberOfKeys: 1, lua });
  }

  async hit(key: string, windowSeconds: number) {
    const [[, count], , [, ttl]] = (await this.run(() => this.client.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec())) as [
      [null, number],
      [null, number],
      [null, number],
    ];
    return { count, resetSeconds: Math.max(1, ttl) };
  }

  get(key: string) {
    return this.run(() => this.client.get(key));
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    await this.run(() => (ttlSeconds ? this.client.set(key, value, 'EX', ttlSeconds) : this.client.set(key, value)));
  }

  async delete(key: string) {
    await this.run(() => this.client.del(key));
  }

  incrementBy(key: string, delta: number) {
    return this.run(() => this.client.incrby(key, delta));
  }

  addExpiring(key: string, member: string, ttlSeconds: number) {
    return this.run(() => this.scripts.addExpiring(key, member, ttlSeconds));
  }

  removeExpiring(key: string, member: string) {
    return this.run(() => this.scripts.removeExpiring(key, member));
  }

  countExpiring(key: string) {
    return this.run(() => this.scripts.countExpiring(key));
  }

  async publish(channel: string, message: string) {
    await this.run(() => this.client.publish(this.channelName(channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    const name = this.channelName(channel);
    const existing = this.handlers.get(name);
    if (existing) return void existing.push(handler);
    this.handlers.set(name, [handler]);
    // The subscriber keeps an offline queue, so this also works while Redis is still connecting,
    // and ioredis re-subscribes after every reconnect.
    await this.subscriber.subscribe(name);
  }

  private channelName(channel: string) {
    return `${this.namespace}:${channel}`;
  }

  async ping() {
    await this.run(() => this.client.ping());
  }

  async close() {
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  /** The commands `defineCommand` added to the client. */
  private get scripts(): ExpiringCommands {
    return this.client as unknown as ExpiringCommands;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
  }
}

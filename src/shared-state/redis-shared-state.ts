import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { DependencyUnavailableError, SharedState } from './shared-state.js';

/** Fails fast while Redis is away (no offline queue, one try), and reconnects by itself. */
export function createRedisClient(url: string, name: string, logger: Logger): Redis {
  const client = new Redis(url, {
    connectionName: `chat-${name}`,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: name === 'subscriber',
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
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

export class RedisSharedState extends SharedState {
  private readonly logger = new Logger('SharedState');
  readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();

  constructor(url: string) {
    super();
    this.client = createRedisClient(url, 'state', this.logger);
    this.subscriber = createRedisClient(url, 'subscriber', this.logger);
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
  }

  async hit(key: string, windowSeconds: number) {
    const [[, count], , [, ttl]] = (await this.run(() =>
      this.client.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec(),
    )) as [[null, number], [null, number], [null, number]];
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

  async publish(channel: string, message: string) {
    await this.run(() => this.client.publish(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    const existing = this.handlers.get(channel);
    if (existing) return void existing.push(handler);
    this.handlers.set(channel, [handler]);
    // The subscriber keeps an offline queue, so this also works while Redis is still connecting,
    // and ioredis re-subscribes after every reconnect.
    await this.subscriber.subscribe(channel);
  }

  async ping() {
    await this.run(() => this.client.ping());
  }

  async close() {
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
  }
}

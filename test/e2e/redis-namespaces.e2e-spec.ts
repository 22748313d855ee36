import { pubSubNamespace, RedisSharedState } from '../../src/shared-state/redis-shared-state.js';

/**
 * Redis has one pub/sub space per server, whatever database a client selected. Two deployments (or two
 * test runs) on one Redis with different database numbers must not hear each other's events.
 */
const redisUrl = process.env.REDIS_URL;
const describeWithRedis = redisUrl ? describe : describe.skip;
const title = redisUrl ? 'pub/sub on one Redis, two database numbers' : 'pub/sub on one Redis, two database numbers — SKIPPED: this run has no REDIS_URL';

function onDatabase(db: number) {
  const url = new URL(redisUrl!);
  url.pathname = `/${db}`;
  return url.toString();
}

describe('pubSubNamespace', () => {
  it('names the database the URL selects, 0 when it selects none', () => {
    expect(pubSubNamespace('redis://127.0.0.1:6379')).toBe('db0');
    expect(pubSubNamespace('redis://127.0.0.1:6379/')).toBe('db0');
    expect(pubSubNamespace('redis://:secret@redis.internal:6380/7')).toBe('db7');
  });
});

describeWithRedis(title, () => {
  const states: RedisSharedState[] = [];
  afterAll(async () => Promise.all(states.map((state) => state.close())));

  it('delivers a message only to subscribers on the same database number', async () => {
    const [listener, neighbour, sibling] = [14, 15, 14].map((db) => {
      const state = new RedisSharedState(onDatabase(db));
      states.push(state);
      return state;
    });
    const heard: string[] = [];
    let resolveDelivered!: () => void;
    const delivered = new Promise<void>((resolve) => (resolveDelivered = resolve));
    await listener.subscribe('events:sequenced', (message) => {
      heard.push(message);
      if (message === 'same-database') resolveDelivered();
    });
    // The neighbour publishes first: if it leaked across databases it would arrive before ours.
    await neighbour.publish('events:sequenced', 'other-database');
    await sibling.publish('events:sequenced', 'same-database');
    await delivered;
    expect(heard).toEqual(['same-database']);
  });
});

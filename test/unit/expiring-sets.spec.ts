import { randomUUID } from 'node:crypto';
import { MemorySharedState } from '../../src/shared-state/memory-shared-state.js';
import { RedisSharedState } from '../../src/shared-state/redis-shared-state.js';
import type { SharedState } from '../../src/shared-state/shared-state.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same behaviour from both implementations; Redis only when the run has REDIS_URL. */
const implementations: Array<[string, () => Promise<SharedState>]> = [['memory', async () => new MemorySharedState()]];
if (process.env.REDIS_URL) {
  implementations.push([
    'redis',
    async () => {
      const state = new RedisSharedState(process.env.REDIS_URL!);
      // Commands fail fast until the client has connected.
      if (state.client.status !== 'ready') await new Promise((resolve) => state.client.once('ready', resolve));
      return state;
    },
  ]);
}

describe.each(implementations)('expiring sets (%s)', (_name, create) => {
  let state: SharedState;
  let key: string;

  beforeEach(async () => {
    state = await create();
    key = `test:expiring:${randomUUID()}`;
  });

  afterEach(async () => {
    await state.close();
  });

  it('counts distinct live members, renewing a member rather than adding it twice', async () => {
    expect(await state.addExpiring(key, 'a', 30)).toBe(1);
    expect(await state.addExpiring(key, 'b', 30)).toBe(2);
    expect(await state.addExpiring(key, 'a', 30)).toBe(2);
    expect(await state.countExpiring(key)).toBe(2);
  });

  it('answers how many remain after a removal, and zero for a set that never existed', async () => {
    await state.addExpiring(key, 'a', 30);
    await state.addExpiring(key, 'b', 30);
    expect(await state.removeExpiring(key, 'a')).toBe(1);
    expect(await state.removeExpiring(key, 'b')).toBe(0);
    expect(await state.removeExpiring(key, 'b')).toBe(0);
    expect(await state.countExpiring(`${key}:other`)).toBe(0);
  });

  it('keeps one member through removal, renewal and expiry alike (the memory store holds one member inline)', async () => {
    expect(await state.addExpiring(key, 'only', 1)).toBe(1);
    expect(await state.removeExpiring(key, 'other')).toBe(1);
    expect(await state.addExpiring(key, 'only', 30)).toBe(1);
    await sleep(1_100);
    expect(await state.countExpiring(key)).toBe(1);
    expect(await state.removeExpiring(key, 'only')).toBe(0);
    expect(await state.addExpiring(key, 'again', 1)).toBe(1);
    await sleep(1_100);
    expect(await state.countExpiring(key)).toBe(0);
  });

  it('forgets a member once its own ttl has passed, while others live on', async () => {
    await state.addExpiring(key, 'short', 1);
    await state.addExpiring(key, 'long', 30);
    await sleep(1_100);
    expect(await state.countExpiring(key)).toBe(1);
    expect(await state.removeExpiring(key, 'long')).toBe(0);
  });

  it('lets exactly one of many concurrent adders see the set go from empty to one', async () => {
    const counts = await Promise.all(Array.from({ length: 20 }, (_, n) => state.addExpiring(key, `m${n}`, 30)));
    expect(counts.filter((count) => count === 1)).toHaveLength(1);
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
  });
});

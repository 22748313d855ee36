import type { Redis } from 'ioredis';
import { SharedState } from '../../src/shared-state/shared-state.js';
import type { RedisSharedState } from '../../src/shared-state/redis-shared-state.js';
import { builders, type GivenUser, uniqueAddress } from '../support/given.js';
import { timedFetch, SERVICE_UNAVAILABLE_ENVELOPE } from '../support/faults/http.js';
import { eventually, sleep } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { hasRedisServer, ThrowawayRedis } from '../support/faults/throwaway-redis.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Fail fast: with Redis gone, no request waits for it; with Redis hung, none waits for more than a few
 * command timeouts (1 s each). What proves the mechanism is the client's queue (empty when gone, bounded
 * when hung); these bounds only tell an answer from a wait for the 5-minute request timeout. They are
 * not speed: a burst of 60 on a CI machine busy with other suites took just over a second to answer.
 */
const GONE_MS = 5_000;
const HUNG_MS = 8_000;
const RECOVERY_MS = 8_000;
/** The most commands one request sends before it fails: a rate-limit hit is a five-command MULTI. */
const COMMANDS_PER_REQUEST = 5;
const WAVE = 40;

interface QueueingClient {
  commandQueue: { length: number };
  offlineQueue: { length: number };
  prevCommandQueue?: { length: number } | null;
}

/** Every command an ioredis client holds on to: sent and unanswered, waiting to be sent, or kept to resend. */
function queued(client: Redis): number {
  const { commandQueue, offlineQueue, prevCommandQueue } = client as unknown as QueueingClient;
  return commandQueue.length + offlineQueue.length + (prevCommandQueue?.length ?? 0);
}

const redisAvailable = hasRedisServer();
if (!redisAvailable) process.stderr.write('faults-redis-outage: skipped, no redis-server on the PATH\n');
const describeWithRedis = redisAvailable ? describe : describe.skip;

describeWithRedis('a Redis outage with REDIS_URL set (throwaway redis-server)', () => {
  let redis: ThrowawayRedis;
  let running: TestApp;
  let state: RedisSharedState;
  let ada: GivenUser;

  const me = (user: GivenUser) => running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
  /** A mix of what clients do: signed-in reads, and anonymous credential routes under the auth rate limit. */
  const burst = (size: number) =>
    Promise.all(
      Array.from({ length: size }, async (_, index) => {
        const started = performance.now();
        const response =
          index % 3 === 0
            ? await running.app.inject({
                method: 'POST',
                url: '/api/v1/auth/login',
                payload: { email: ada.email, password: ada.password },
                remoteAddress: uniqueAddress(),
              })
            : await me(ada);
        return { status: response.statusCode, body: response.json(), ms: performance.now() - started };
      }),
    );

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    running = await startTestApp({ REDIS_URL: redis.url });
    state = running.app.get(SharedState) as RedisSharedState;
    ada = await builders(running).user();
  });

  afterAll(async () => {
    // The app closes its Redis clients with QUIT, which waits for Redis's answer: give it a Redis that answers.
    redis?.thaw();
    await running?.close();
    await redis?.destroy();
  });

  it('fails fast with 503 while Redis is gone, queues nothing, and recovers by itself when it returns', async () => {
    const grace = await builders(running).user();
    expect((await running.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: grace.auth })).statusCode).toBe(204);
    expect((await me(ada)).statusCode).toBe(200);

    await redis.kill();
    for (let wave = 0; wave < 3; wave++) {
      const answers = await burst(60);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual(SERVICE_UNAVAILABLE_ENVELOPE);
        expect(answer.ms).toBeLessThan(GONE_MS);
      }
      // No offline queue: nothing piles up in memory for a Redis that isn't there.
      expect(queued(state.client)).toBe(0);
      await sleep(100);
    }

    const ready = await running.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().details).toEqual([expect.objectContaining({ field: 'redis' })]);
    expect((await running.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    // A new, empty Redis on the same port: the clients reconnect on their own.
    await redis.start();
    await eventually(async () => ((await me(ada)).statusCode === 200 ? true : undefined), { timeoutMs: RECOVERY_MS, what: 'GET /users/me back to 200' });
    expect((await running.app.inject({ method: 'GET', url: '/health/ready' })).json()).toEqual({
      status: 'ok',
      checks: { database: 'up', redis: 'up', media: 'up' },
    });
    const login = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ada.email, password: ada.password },
      remoteAddress: uniqueAddress(),
    });
    expect(login.statusCode).toBe(200);

    // The new Redis lost every revocation key; a session ended before the outage stays ended anyway.
    expect((await me(grace)).statusCode).toBe(401);
  });

  it('answers 503 within a command timeout while Redis hangs, keeps its queue bounded, and recovers', async () => {
    expect((await me(ada)).statusCode).toBe(200);

    redis.freeze();
    let mostQueued = 0;
    const sampler = setInterval(() => (mostQueued = Math.max(mostQueued, queued(state.client))), 5);
    try {
      // Waves spread over several command timeouts: a hung connection must not keep collecting commands.
      for (let wave = 0; wave < 5; wave++) {
        const answers = await Promise.all([burst(WAVE), sleep(600)]).then(([answers]) => answers);
        for (const answer of answers) {
          expect(answer.status).toBe(503);
          expect(answer.ms).toBeLessThan(HUNG_MS);
        }
      }
    } finally {
      clearInterval(sampler);
    }
    // At most what one wave sent before the first timeout dropped the stuck connection, not every wave's.
    expect(mostQueued).toBeLessThanOrEqual(WAVE * COMMANDS_PER_REQUEST);
    expect(queued(state.client)).toBeLessThanOrEqual(WAVE * COMMANDS_PER_REQUEST);
    const ready = await running.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().details).toEqual([expect.objectContaining({ field: 'redis' })]);

    redis.thaw();
    await eventually(async () => ((await me(ada)).statusCode === 200 ? true : undefined), {
      timeoutMs: RECOVERY_MS,
      what: 'GET /users/me back to 200 after the freeze',
    });
    expect((await running.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});

describeWithRedis('a Redis outage under the built server', () => {
  let redis: ThrowawayRedis;
  let server: ServerProcess;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    server = await startServerProcess({ DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await server?.destroy();
    await redis?.destroy();
  });

  it('does not crash when Redis dies or hangs, and serves again once it is back', async () => {
    const signup = await timedFetch(`${server.url}/api/v1/auth/signup`, {
      method: 'POST',
      json: { email: `redis_${Date.now()}@example.test`, username: `redis_${Date.now()}`, password: 'a-long-enough-password' },
    });
    expect(signup.status).toBe(201);
    const me = () => timedFetch(`${server.url}/api/v1/users/me`, { token: signup.body.accessToken, deadlineMs: 5_000 });

    for (const outage of ['kill', 'freeze'] as const) {
      if (outage === 'kill') await redis.kill();
      else redis.freeze();
      const answers = await Promise.all(Array.from({ length: 30 }, () => me()));
      expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(503));
      expect((await timedFetch(`${server.url}/health/ready`)).status).toBe(503);
      expect((await timedFetch(`${server.url}/health/live`)).status).toBe(200);
      await sleep(300);
      expect(server.running()).toBe(true);

      if (outage === 'kill') await redis.start();
      else redis.thaw();
      await eventually(async () => ((await me()).status === 200 ? true : undefined), { timeoutMs: RECOVERY_MS, what: `recovery after Redis ${outage}` });
    }
    expect(server.running()).toBe(true);
  });
});

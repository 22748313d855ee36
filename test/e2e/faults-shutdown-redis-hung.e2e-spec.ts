import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { timedFetch } from '../support/faults/http.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { hasRedisServer, ThrowawayRedis } from '../support/faults/throwaway-redis.js';
import { clientSocket, connected } from '../support/sockets.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const describeWithRedis = hasRedisServer() ? describe : describe.skip;

/**
 * Closing Socket.IO's Redis adapter used to send QUIT on its subscriber, which has an offline queue and
 * no command timeout: with Redis hung, shutdown waited for the answer until SHUTDOWN_TIMEOUT_MS and
 * exited 1. It now drops the connections without asking Redis.
 */
describeWithRedis('SIGTERM while Redis hangs (the built server, throwaway redis-server)', () => {
  let redis: ThrowawayRedis;
  let server: ServerProcess | undefined;
  let socket: Socket | undefined;

  afterAll(async () => {
    socket?.close();
    await server?.destroy();
    await redis?.destroy();
  });

  it('exits 0 well before the shutdown deadline', async () => {
    redis = await ThrowawayRedis.create();
    server = await startServerProcess({ DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    const username = `hung_${randomBytes(4).toString('hex')}`;
    const signup = await timedFetch(`${server.url}/api/v1/auth/signup`, {
      method: 'POST',
      json: { email: `${username}@example.test`, username, password: 'a-long-enough-password' },
    });
    expect(signup.status).toBe(201);
    socket = clientSocket(server.url, signup.body.accessToken);
    await connected(socket);

    redis.freeze();
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const { code, signal } = await server.exited;
    const took = performance.now() - signalledAt;
    redis.thaw();

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(5_000);
    expect(server.output()).toContain('"msg":"stopped"');
  }, 30_000);
});

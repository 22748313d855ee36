import { randomBytes, randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { timedFetch, SERVICE_UNAVAILABLE_ENVELOPE, type TimedResponse } from '../support/faults/http.js';
import { eventually, sleep } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { postgresBinDir, ThrowawayPostgres } from '../support/faults/throwaway-postgres.js';

/**
 * "Fails fast": loose on purpose, the point is that nothing waits for the query timeout
 * (DATABASE_STATEMENT_TIMEOUT, 10 s) or a TCP one; a refused connect may take the pool's 3 s connect
 * timeout, and another suite may be running beside this one (two Jest workers), so 8 s, below the 10.
 */
const FAST_MS = 8_000;
const RECOVERY_MS = 10_000;

const binDir = postgresBinDir();
const describeWithPostgres = binDir ? describe : describe.skip;
if (!binDir) {
  // Visible in the run's output, so a skipped outage test is never mistaken for a passing one.
  process.stderr.write('faults-database-outage: skipped, no /usr/lib/postgresql/*/bin/initdb on this machine\n');
}

const title = 'a database outage under the built server (throwaway PostgreSQL cluster)';
describeWithPostgres(binDir ? title : `${title} — skipped: no /usr/lib/postgresql/*/bin/initdb`, () => {
  let cluster: ThrowawayPostgres;
  let server: ServerProcess;
  let accessToken: string;
  let credentials: { email: string; password: string };
  let conversationId: string;
  let socket: Socket | undefined;

  const api = (path: string, init: Parameters<typeof timedFetch>[1] = {}) => timedFetch(`${server.url}${path}`, { deadlineMs: 15_000, ...init });
  const me = () => api('/api/v1/users/me', { token: accessToken });

  beforeAll(async () => {
    cluster = await ThrowawayPostgres.create();
    server = await startServerProcess({ DATABASE_URL: cluster.url, DATABASE_POOL_SIZE: '5' });
    const username = `outage_${randomBytes(4).toString('hex')}`;
    credentials = { email: `${username}@example.test`, password: 'a-long-enough-password' };
    const signup = await api('/api/v1/auth/signup', { method: 'POST', json: { ...credentials, username } });
    expect(signup.status).toBe(201);
    accessToken = signup.body.accessToken;
    const group = await api('/api/v1/conversations', { method: 'POST', token: accessToken, json: { type: 'group', title: 'outage', memberIds: [] } });
    expect(group.status).toBe(201);
    conversationId = group.body.id;
  });

  afterAll(async () => {
    socket?.close();
    await server?.destroy();
    await cluster?.destroy();
  });

  afterEach(() => {
    // A crash anywhere in a test shows up here with the process's last words.
    if (server && !server.running()) throw new Error(`the server process died:\n${server.output().slice(-4000)}`);
  });

  it('answers 503 fast while the database is down, stays live, and recovers by itself when it returns', async () => {
    // Several requests at once, so the pool holds several connections when the database goes away.
    const warm = await Promise.all(Array.from({ length: 5 }, () => me()));
    expect(warm.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const connected = io(server.url, { auth: { token: accessToken }, transports: ['websocket'], reconnection: false });
    socket = connected;
    await new Promise<void>((resolve, reject) => {
      connected.once('connect', resolve);
      connected.once('connect_error', reject);
    });
    const send = (content: string) => connected.timeout(FAST_MS).emitWithAck('message.send', { conversationId, clientMessageId: randomUUID(), content });

    await cluster.stop('immediate');

    const during: TimedResponse[] = await Promise.all([
      ...Array.from({ length: 8 }, () => me()),
      api('/api/v1/auth/login', { method: 'POST', json: credentials }),
      api('/api/v1/users?search=outage', { token: accessToken }),
    ]);
    for (const response of during) {
      expect(response.status).toBe(503);
      expect(response.body).toEqual(SERVICE_UNAVAILABLE_ENVELOPE);
      expect(response.ms).toBeLessThan(FAST_MS);
    }
    // No SQL, driver message or stack in what the client sees.
    expect(JSON.stringify(during.map((response) => response.body))).not.toMatch(/ECONNREFUSED|terminat|127\.0\.0\.1|at \w+ \(/);

    const ready = await api('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(ready.body.details).toEqual([expect.objectContaining({ field: 'database' })]);
    expect(ready.ms).toBeLessThan(FAST_MS);
    const live = await api('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });

    // A socket stays connected; what it asks for fails with an error ack instead of hanging.
    expect(await send('during the outage')).toEqual({ ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } });
    expect(connected.connected).toBe(true);

    // Still down a while later: the answers stay fast and the process stays up (afterEach checks).
    await sleep(500);
    const later = await me();
    expect(later.status).toBe(503);
    expect(later.ms).toBeLessThan(FAST_MS);

    await cluster.start();
    const recovered = await eventually(async () => ((await me()).status === 200 ? true : undefined), {
      timeoutMs: RECOVERY_MS,
      what: 'GET /users/me back to 200',
    });
    expect(recovered).toBe(true);
    expect((await api('/health/ready')).status).toBe(200);
    const login = await api('/api/v1/auth/login', { method: 'POST', json: credentials });
    expect(login.status).toBe(200);
    // The same socket, never reconnected, works again.
    expect(await send('after the outage')).toMatchObject({ ok: true, data: { conversationId, content: 'after the outage' } });
    expect(connected.connected).toBe(true);
  });

  it('survives the server terminating its idle pooled connections, and serves the next requests', async () => {
    const warm = await Promise.all(Array.from({ length: 5 }, () => me()));
    expect(warm.every((response) => response.status === 200)).toBe(true);

    const terminated = await cluster.terminateBackends();
    expect(terminated).toBeGreaterThan(0);
    // The pool learns of the dead connections through 'error' events on idle clients; an unhandled one
    // would kill the process here.
    await sleep(300);
    expect(server.running()).toBe(true);

    const after = await Promise.all(Array.from({ length: 5 }, () => me()));
    expect(after.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await api('/health/ready')).status).toBe(200);
  });

  it('answers 200 or 503, never 500 or a hang, while the server keeps killing connections under load', async () => {
    let killing = true;
    const killer = (async () => {
      while (killing) {
        await cluster.terminateBackends();
        await sleep(20);
      }
    })();
    // Reported when awaited below, not as an unhandled rejection in the middle of the burst.
    killer.catch(() => {});
    const requests: Promise<TimedResponse>[] = [];
    for (let wave = 0; wave < 8; wave++) {
      requests.push(me(), me(), api('/api/v1/auth/login', { method: 'POST', json: credentials }), api('/api/v1/users?search=outage', { token: accessToken }));
      await sleep(40);
    }
    const answers = await Promise.all(requests);
    killing = false;
    await killer;
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    for (const answer of answers) expect(answer.ms).toBeLessThan(FAST_MS);
    for (const answer of answers.filter((answer) => answer.status === 503)) expect(answer.body).toEqual(SERVICE_UNAVAILABLE_ENVELOPE);
    expect(server.running()).toBe(true);
    const next = await eventually(async () => ((await me()).status === 200 ? true : undefined), {
      timeoutMs: RECOVERY_MS,
      what: 'GET /users/me after the killing stopped',
    });
    expect(next).toBe(true);
  });
});

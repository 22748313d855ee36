import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AccessTokens } from '../../src/auth/access-tokens.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from '../../src/auth/session-revoked.event.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { clientSocket, refusal } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');

function sign(header: object, payload: object, secret: string, algorithm = 'sha256'): string {
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${createHmac(algorithm, secret).update(unsigned).digest('base64url')}`;
}

function payloadOf(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; role: string; sid: string; iat: number; exp: number };
}

describe('access tokens', () => {
  let running: TestApp;
  let given: Given;
  let ada: GivenUser;

  beforeAll(async () => {
    running = await startTestApp();
    given = builders(running);
    ada = await given.user();
  });

  afterAll(async () => {
    await running.close();
  });

  const me = (token: string) => running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts the token the server issued', async () => {
    expect((await me(ada.accessToken)).statusCode).toBe(200);
  });

  it('accepts a token the test signs the same way, so the refusals below are about what they change', async () => {
    const claims = payloadOf(ada.accessToken);
    expect((await me(sign({ alg: 'HS256', typ: 'JWT' }, claims, SECRET))).statusCode).toBe(200);
  });

  it.each([
    ['signed with another secret', () => sign({ alg: 'HS256', typ: 'JWT' }, payloadOf(ada.accessToken), 'another-secret-that-is-long-enough-0123456789')],
    ['with alg none', () => `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payloadOf(ada.accessToken))}.`],
    ['with another algorithm (HS512, same secret)', () => sign({ alg: 'HS512', typ: 'JWT' }, payloadOf(ada.accessToken), SECRET, 'sha512')],
    ['expired', () => sign({ alg: 'HS256', typ: 'JWT' }, { ...payloadOf(ada.accessToken), iat: now() - 3600, exp: now() - 60 }, SECRET)],
    [
      'with a tampered payload (role: admin)',
      () => {
        const [header, , signature] = ada.accessToken.split('.');
        return `${header}.${encode({ ...payloadOf(ada.accessToken), role: 'admin' })}.${signature}`;
      },
    ],
    ['without a session id', () => sign({ alg: 'HS256', typ: 'JWT' }, { sub: ada.id, role: 'user', iat: now(), exp: now() + 60 }, SECRET)],
    ['that is not a JWT', () => 'not-a-token'],
  ])('refuses a token %s with 401', async (_what, forge) => {
    const response = await me(forge());
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });

  it('refuses a token that is not sent as a Bearer token', async () => {
    const response = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Basic ${ada.accessToken}` } });
    expect(response.statusCode).toBe(401);
  });

  it('verifies raw tokens for the socket handshake, revocation included', async () => {
    const bob = await given.user();
    const tokens = running.app.get(AccessTokens);
    await expect(tokens.verify(bob.accessToken).then(({ user }) => user)).resolves.toEqual({
      id: bob.id,
      role: 'user',
      sessionId: payloadOf(bob.accessToken).sid,
    });
    await running.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bob.auth });
    await expect(tokens.verify(bob.accessToken)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(tokens.verify(sign({ alg: 'HS256' }, payloadOf(bob.accessToken), 'wrong-secret-wrong-secret-wrong-secret'))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('emits session.revoked in-process when a session ends', async () => {
    const carol = await given.user();
    const events: SessionRevokedEvent[] = [];
    const listener = (event: SessionRevokedEvent) => events.push(event);
    const emitter = running.app.get(EventEmitter2);
    emitter.on(SESSION_REVOKED, listener);
    try {
      await running.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: carol.auth });
      expect(events).toEqual([{ sessionId: payloadOf(carol.accessToken).sid, userId: carol.id, reason: 'logout' }]);
    } finally {
      emitter.off(SESSION_REVOKED, listener);
    }
  });
});

describe('access tokens after a restart', () => {
  it('keeps refusing the access token of a session revoked before the restart', async () => {
    const before = await startTestApp();
    const ada = await builders(before).user();
    await before.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: ada.auth });
    await before.close();
    // Without Redis the new instance starts with empty memory: it reloads recent revocations from the database.
    const after = await startTestApp();
    try {
      expect((await after.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: ada.auth })).statusCode).toBe(401);
    } finally {
      await after.close();
    }
  });
});

// Instances share revocations through Redis; without it each instance is on its own by design.
(process.env.REDIS_URL ? describe : describe.skip)('access tokens across instances', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp();
  });

  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('rejects a token on every instance, and tells each, once its session is revoked on one', async () => {
    const dave = await builders(first).user();
    const me = () => second.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: dave.auth });
    expect((await me()).statusCode).toBe(200);
    const heard = new Promise<SessionRevokedEvent>((resolve) => second.app.get(EventEmitter2).once(SESSION_REVOKED, resolve));
    await first.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: dave.auth });
    await expect(heard).resolves.toMatchObject({ userId: dave.id, reason: 'logout' });
    expect((await me()).statusCode).toBe(401);
  });
});

/** The constant that was the development secret before issue 11, and what an attacker guesses first. */
const GUESSED_SECRETS = ['development-only-secret-do-not-use-in-production', 'secret', 'changeme', 'test-secret'];

describe('tokens naming a session that does not exist or is not theirs', () => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const me = (token: string) => running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
  const adminStats = (token: string) => running.app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: { authorization: `Bearer ${token}` } });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (sub: string, sid: string, role = 'user') => ({ sub, role, sid, iat: now(), exp: now() + 600 });

  it.each(GUESSED_SECRETS)('refuses an admin token with a made-up session signed with the guessed secret %j', async (guess) => {
    const ada = await given.user();
    const forged = sign({ alg: 'HS256', typ: 'JWT' }, claims(ada.id, randomUUID(), 'admin'), guess);
    expect((await adminStats(forged)).statusCode).toBe(401);
    expect((await refusal(clientSocket(running.url, forged))).message).toBe('UNAUTHORIZED');
  });

  it('refuses a token signed with the real secret whose session was never opened, on REST and at the handshake', async () => {
    const ada = await given.user();
    const forged = sign({ alg: 'HS256', typ: 'JWT' }, claims(ada.id, randomUUID(), 'admin'), SECRET);
    const answer = await adminStats(forged);
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await me(sign({ alg: 'HS256', typ: 'JWT' }, claims(ada.id, randomUUID()), SECRET))).statusCode).toBe(401);
    expect((await refusal(clientSocket(running.url, forged))).message).toBe('UNAUTHORIZED');
    // The user's own token keeps working: nothing was revoked by the attempt.
    expect((await me(ada.accessToken)).statusCode).toBe(200);
  });

  it("refuses a token naming another user's session", async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const borrowed = sign({ alg: 'HS256', typ: 'JWT' }, claims(ada.id, payloadOf(bob.accessToken).sid), SECRET);
    expect((await me(borrowed)).statusCode).toBe(401);
    expect((await refusal(clientSocket(running.url, borrowed))).message).toBe('UNAUTHORIZED');
    expect((await me(bob.accessToken)).statusCode).toBe(200);
  });

  it('refuses a known session once it is logged out, even after it was seen (and remembered) as live', async () => {
    const ada = await given.user();
    expect((await me(ada.accessToken)).statusCode).toBe(200);
    await running.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: ada.auth });
    expect((await me(ada.accessToken)).statusCode).toBe(401);
  });
});

describe('a server started without JWT_SECRET', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-jwt-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs with a secret of its own kept in DATA_DIR (0600), so tokens survive a restart and nobody can mint them', async () => {
    const env = { JWT_SECRET: '', DATA_DIR: dataDir };
    const first = await startTestApp(env);
    let ada: GivenUser;
    try {
      ada = await builders(first).user();
      expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    } finally {
      await first.close();
    }
    const second = await startTestApp(env);
    try {
      const me = (token: string) => second.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
      expect((await me(ada.accessToken)).statusCode).toBe(200);
      const refreshed = await second.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: ada.refreshToken } });
      expect(refreshed.statusCode).toBe(200);
      // A token of a real session of a real user, signed with what used to be the built-in secret.
      const forged = sign({ alg: 'HS256', typ: 'JWT' }, { ...payloadOf(ada.accessToken), role: 'admin' }, GUESSED_SECRETS[0]);
      expect((await me(forged)).statusCode).toBe(401);
    } finally {
      await second.close();
    }
  });
});

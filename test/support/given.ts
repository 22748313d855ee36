import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Role } from '../../src/common/auth/auth-user.js';
import { eventually } from './faults/ports.js';
import type { TestApp } from './test-app.js';

export interface GivenUser {
  id: string;
  email: string;
  username: string;
  displayName: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  /** Headers of an authenticated request: `app.inject({ ..., headers: user.auth })`. */
  auth: { authorization: string };
}

export interface UserOptions {
  role?: Role;
  displayName?: string;
  /** Must be unique; by default a random one. */
  username?: string;
  password?: string;
}

/** Unique enough that suites sharing one database never collide. */
export function uniqueName(prefix = 'u'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/**
 * Each builder request comes from its own address in 198.18.0.0/15 (reserved for testing), so builders
 * never use up the per-IP auth budget of a suite that tests rate limits.
 */
export function uniqueAddress(): string {
  const [a, b, c] = randomBytes(3);
  return `198.${18 + (a & 1)}.${b}.${(c % 254) + 1}`;
}

function expectStatus(response: { statusCode: number; body: string }, status: number, what: string) {
  if (response.statusCode !== status) throw new Error(`${what} answered ${response.statusCode}: ${response.body}`);
}

/**
 * Builders that set up state through the API (and the database where the API can't), so each test
 * states only what matters: `const given = builders(running); const ada = await given.user();`.
 */
export function builders(running: TestApp) {
  const { app } = running;

  async function login(email: string, password: string) {
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: uniqueAddress() });
    expectStatus(response, 200, 'login');
    return response.json() as { accessToken: string; refreshToken: string; user: { id: string; role: Role } };
  }

  const withTokens = (user: Omit<GivenUser, 'accessToken' | 'refreshToken' | 'auth'>, tokens: { accessToken: string; refreshToken: string }): GivenUser => ({
    ...user,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    auth: { authorization: `Bearer ${tokens.accessToken}` },
  });

  return {
    /** A signed-up, signed-in user; `{ role: 'admin' }` promotes it and signs in again. */
    async user(options: UserOptions = {}): Promise<GivenUser> {
      const username = options.username ?? uniqueName();
      const email = `${username}@example.test`;
      const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
      const displayName = options.displayName ?? username;
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, username, password, displayName },
        remoteAddress: uniqueAddress(),
      });
      expectStatus(response, 201, 'signup');
      const body = response.json() as { accessToken: string; refreshToken: string; user: { id: string } };
      const user = { id: body.user.id, email, username, displayName, password, role: 'user' as Role };
      if (options.role !== 'admin') return withTokens(user, body);
      await app.get(DataSource).query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
      return withTokens({ ...user, role: 'admin' }, await login(email, password));
    },

    admin(options: Omit<UserOptions, 'role'> = {}): Promise<GivenUser> {
      return this.user({ ...options, role: 'admin' });
    },

    /** A report by `reporter` (POST /reports), answered as the API answers it. */
    async report(reporter: GivenUser, body: { messageId?: string; userId?: string; reason: string; note?: string }): Promise<{ id: string; status: string }> {
      const response = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: reporter.auth, payload: body });
      expectStatus(response, 201, 'report');
      return response.json() as { id: string; status: string };
    },

    /** An API key minted by `owner` (POST /api-keys), with its secret and `auth` headers that use it. */
    async apiKey(
      owner: GivenUser,
      body: { name?: string; scopes: string[]; expiresAt?: string; botId?: string },
    ): Promise<{ id: string; key: string; scopes: string[]; auth: { authorization: string } }> {
      const response = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: owner.auth, payload: { name: 'test key', ...body } });
      expectStatus(response, 201, 'api key');
      const created = response.json() as { id: string; key: string; scopes: string[] };
      return { ...created, auth: { authorization: `Bearer ${created.key}` } };
    },

    /** A message `user` scheduled in a conversation an hour ahead (POST /conversations/:id/scheduled). */
    async scheduled(user: GivenUser, conversationId: string, content = 'later'): Promise<{ id: string; sendAt: string; status: string }> {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/scheduled`,
        headers: user.auth,
        payload: { clientMessageId: randomUUID(), content, sendAt: new Date(Date.now() + 3_600_000).toISOString() },
      });
      expectStatus(response, 201, 'schedule');
      return response.json() as { id: string; sendAt: string; status: string };
    },

    /** A bot account created by `admin` (POST /admin/bots). */
    async bot(admin: GivenUser, username = uniqueName('bot')): Promise<{ id: string; username: string; displayName: string; isBot: boolean }> {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/admin/bots',
        headers: admin.auth,
        payload: { username, displayName: `Bot ${username}` },
      });
      expectStatus(response, 201, 'bot');
      return (response.json() as { user: { id: string; username: string; displayName: string; isBot: boolean } }).user;
    },

    /**
     * A webhook made by a new admin (POST /admin/webhooks); by default one that matches nothing (a
     * conversation that does not exist), so it never sends anything.
     */
    async webhook(body: object = {}): Promise<{ id: string; cursor: string; secret: string }> {
      const admin = await this.admin();
      const payload = { url: 'http://127.0.0.1:9/never', events: ['pin.updated'], conversationId: randomUUID(), ...body };
      const response = await app.inject({ method: 'POST', url: '/api/v1/admin/webhooks', headers: admin.auth, payload });
      expectStatus(response, 201, 'webhook');
      return response.json() as { id: string; cursor: string; secret: string };
    },

    /** A push device registered by `user` (POST /devices). */
    async device(user: GivenUser): Promise<{ id: string; token: string }> {
      const payload = { platform: 'android', token: `given-${randomUUID()}` };
      const response = await app.inject({ method: 'POST', url: '/api/v1/devices', headers: user.auth, payload });
      expectStatus(response, 201, 'device');
      return response.json() as { id: string; token: string };
    },

    /** A data export `user` started (POST /users/me/export): its id. */
    async dataExport(user: GivenUser): Promise<string> {
      const response = await app.inject({ method: 'POST', url: '/api/v1/users/me/export', headers: user.auth });
      expectStatus(response, 202, 'data export');
      return (response.json() as { exportId: string }).exportId;
    },

    /** Waits (bounded) until the export's job finished; answers its status and URL. */
    async finishedExport(user: GivenUser, exportId: string, timeoutMs = 60_000): Promise<{ status: string; url?: string }> {
      return eventually(
        async () => {
          const response = await app.inject({ method: 'GET', url: `/api/v1/users/me/export/${exportId}`, headers: user.auth });
          const body = response.json() as { status: string; url?: string };
          return body.status === 'pending' ? undefined : body;
        },
        { timeoutMs, intervalMs: 250, what: `export ${exportId} finished` },
      );
    },

    /** The same user signed in again: a second session (another device). */
    async anotherSession(user: GivenUser): Promise<GivenUser> {
      return withTokens(user, await login(user.email, user.password));
    },
  };
}

export type Given = ReturnType<typeof builders>;

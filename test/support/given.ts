import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Role } from '../../src/common/auth/auth-user.js';
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

    /** The same user signed in again: a second session (another device). */
    async anotherSession(user: GivenUser): Promise<GivenUser> {
      return withTokens(user, await login(user.email, user.password));
    },
  };
}

export type Given = ReturnType<typeof builders>;

import { randomBytes } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { FirstAdmin } from '../../src/auth/first-admin.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from '../../src/auth/session-revoked.event.js';
import { builders, type Given, type GivenUser, uniqueName } from '../support/given.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('admin', () => {
  let running: TestApp;
  let given: Given;
  let admin: GivenUser;

  beforeAll(async () => {
    running = await startTestApp();
    given = builders(running);
    admin = await given.admin();
  });

  afterAll(async () => {
    await running.close();
  });

  const inject = (method: 'GET' | 'PATCH' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers, payload });

  it.each([
    ['GET', '/admin/users'],
    ['GET', '/admin/stats'],
    ['PATCH', '/admin/users/00000000-0000-4000-8000-000000000000'],
  ] as const)('answers %s %s with 403 for a plain user and 401 without a token', async (method, url) => {
    const ada = await given.user();
    const forbidden = await inject(method, url, ada.auth, method === 'PATCH' ? { banned: true } : undefined);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
    expect((await inject(method, url, {})).statusCode).toBe(401);
  });

  it('lists users with email, role and ban state, searching email, username or display name', async () => {
    const ada = await given.user();
    const byEmail = await inject('GET', `/admin/users?search=${ada.email.slice(0, 10).toUpperCase()}`, admin.auth);
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json().items).toEqual([
      {
        id: ada.id,
        email: ada.email,
        username: ada.username,
        displayName: ada.displayName,
        role: 'user',
        banned: false,
        createdAt: expect.any(String),
        lastSeenAt: null,
      },
    ]);
    const page = await inject('GET', '/admin/users?limit=1', admin.auth);
    expect(page.json().items).toHaveLength(1);
    expect(page.json().nextCursor).toEqual(expect.any(String));
  });

  it('bans a user: every session revoked at once, sign-in refused, realtime told', async () => {
    const ada = await given.user();
    const phone = await given.anotherSession(ada);
    const events: SessionRevokedEvent[] = [];
    const listener = (event: SessionRevokedEvent) => events.push(event);
    running.app.get(EventEmitter2).on(SESSION_REVOKED, listener);
    try {
      const banned = await inject('PATCH', `/admin/users/${ada.id}`, admin.auth, { banned: true });
      expect(banned.statusCode).toBe(200);
      expect(banned.json()).toMatchObject({ id: ada.id, banned: true, role: 'user' });
    } finally {
      running.app.get(EventEmitter2).off(SESSION_REVOKED, listener);
    }
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.userId === ada.id && event.reason === 'banned')).toBe(true);

    for (const session of [ada, phone]) {
      expect((await inject('GET', '/users/me', session.auth)).statusCode).toBe(401);
      const refresh = await inject('POST', '/auth/refresh', {}, { refreshToken: session.refreshToken });
      expect(refresh.statusCode).toBe(403);
      expect(refresh.json().code).toBe('USER_BANNED');
    }
    const login = await inject('POST', '/auth/login', {}, { email: ada.email, password: ada.password });
    expect(login.statusCode).toBe(403);
    expect(login.json().code).toBe('USER_BANNED');
    expect((await inject('GET', `/users/${ada.id}`, admin.auth)).statusCode).toBe(404);

    expect((await inject('PATCH', `/admin/users/${ada.id}`, admin.auth, { banned: false })).json().banned).toBe(false);
    expect((await inject('POST', '/auth/login', {}, { email: ada.email, password: ada.password })).statusCode).toBe(200);
  });

  it('promotes a user (effective from the next refresh) and signs a demoted admin out', async () => {
    const ada = await given.user();
    expect((await inject('PATCH', `/admin/users/${ada.id}`, admin.auth, { role: 'admin' })).json().role).toBe('admin');
    expect((await inject('GET', '/admin/stats', ada.auth)).statusCode).toBe(403);
    const refreshed = (await inject('POST', '/auth/refresh', {}, { refreshToken: ada.refreshToken })).json();
    expect(refreshed.user.role).toBe('admin');
    const asAdmin = { authorization: `Bearer ${refreshed.accessToken}` };
    expect((await inject('GET', '/admin/stats', asAdmin)).statusCode).toBe(200);

    expect((await inject('PATCH', `/admin/users/${ada.id}`, admin.auth, { role: 'user' })).json().role).toBe('user');
    expect((await inject('GET', '/admin/stats', asAdmin)).statusCode).toBe(401);
  });

  it('refuses to let an admin ban or demote themselves, and validates the body', async () => {
    expect((await inject('PATCH', `/admin/users/${admin.id}`, admin.auth, { banned: true })).statusCode).toBe(400);
    expect((await inject('PATCH', `/admin/users/${admin.id}`, admin.auth, { role: 'user' })).statusCode).toBe(400);
    const ada = await given.user();
    const invalid = await inject('PATCH', `/admin/users/${ada.id}`, admin.auth, { role: 'owner', email: 'x@y.z' });
    expect(invalid.statusCode).toBe(400);
    expect(
      invalid
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['email', 'role']);
    expect((await inject('PATCH', '/admin/users/00000000-0000-4000-8000-000000000000', admin.auth, { banned: true })).statusCode).toBe(404);
  });

  it('counts users and online users', async () => {
    const response = await inject('GET', '/admin/stats', admin.auth);
    expect(response.statusCode).toBe(200);
    const [{ count }] = await running.app.get(DataSource).query('SELECT count(*)::int AS count FROM users');
    expect(response.json()).toMatchObject({ users: count, onlineUsers: expect.any(Number) });
  });
});

describe('the first admin from ADMIN_EMAIL / ADMIN_PASSWORD', () => {
  const email = `${uniqueName('boss')}@example.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const env = { ADMIN_EMAIL: email.toUpperCase(), ADMIN_PASSWORD: password };
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp(env);
  });

  afterAll(async () => {
    await running.close();
  });

  const adminRows = () => running.app.get(DataSource).query('SELECT role FROM users WHERE lower(email) = $1', [email]);

  it('is created at start-up, with a lower-cased email', async () => {
    const login = await running.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(login.statusCode).toBe(200);
    expect(login.json().user).toMatchObject({ email, role: 'admin' });
  });

  it('promotes the account when it exists, leaving its password alone', async () => {
    await running.app.get(DataSource).query(`UPDATE users SET role = 'user' WHERE email = $1`, [email]);
    await running.app.get(FirstAdmin).onApplicationBootstrap();
    expect(await adminRows()).toEqual([{ role: 'admin' }]);
    expect((await running.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).statusCode).toBe(200);
  });

  it('creates exactly one account when several instances start at once', async () => {
    await running.app.get(DataSource).query('DELETE FROM users WHERE email = $1', [email]);
    const firstAdmin = running.app.get(FirstAdmin);
    await Promise.all([1, 2, 3].map(() => firstAdmin.onApplicationBootstrap()));
    expect(await adminRows()).toEqual([{ role: 'admin' }]);
  });
});

import { builders, type Given, uniqueName } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

describe('auth: signup, login, refresh, logout', () => {
  const app = useTestApp();
  let given: Given;

  beforeAll(async () => {
    given = builders(app.running);
  });

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.running.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
  const get = (url: string, headers: Record<string, string> = {}) => app.running.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('signs up, logs in, rotates the refresh token, answers one retry of it, detects its reuse, and logs out', async () => {
    const username = uniqueName();
    const email = `${username}@Example.TEST`;
    const signup = await post('/auth/signup', { email, username, password: 'a long password', displayName: 'Ada' });
    expect(signup.statusCode).toBe(201);
    expect(signup.json()).toEqual({
      user: {
        id: expect.any(String),
        email: email.toLowerCase(),
        username,
        displayName: 'Ada',
        statusText: null,
        avatar: null,
        role: 'user',
        createdAt: expect.any(String),
        metadata: {},
      },
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      accessTokenExpiresIn: 900,
    });

    const login = await post('/auth/login', { email: email.toUpperCase(), password: 'a long password' });
    expect(login.statusCode).toBe(200);
    const { accessToken, refreshToken } = login.json();
    expect((await get('/auth/sessions', bearer(accessToken))).statusCode).toBe(200);

    const refreshed = await post('/auth/refresh', { refreshToken });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json();
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(next.user.email).toBe(email.toLowerCase());

    // A retry (the answer was lost) within JWT_REFRESH_RETRY_GRACE gets the same new refresh token…
    const retried = await post('/auth/refresh', { refreshToken });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().refreshToken).toBe(next.refreshToken);
    // …once: the third use of the token is reuse.
    const reused = await post('/auth/refresh', { refreshToken });
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ code: 'TOKEN_REUSED' });
    // The whole session is gone: its newest refresh token and its access tokens too.
    expect((await post('/auth/refresh', { refreshToken: next.refreshToken })).statusCode).toBe(401);
    expect((await get('/auth/sessions', bearer(next.accessToken))).statusCode).toBe(401);
    expect((await get('/auth/sessions', bearer(accessToken))).statusCode).toBe(401);

    // The signup session was never touched, and logs out on its own.
    const first = signup.json();
    expect((await get('/auth/sessions', bearer(first.accessToken))).statusCode).toBe(200);
    expect((await post('/auth/logout', undefined, bearer(first.accessToken))).statusCode).toBe(204);
    const rejected = await get('/auth/sessions', bearer(first.accessToken));
    expect(rejected.statusCode).toBe(401);
    expect(rejected.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await post('/auth/refresh', { refreshToken: first.refreshToken })).statusCode).toBe(401);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const ada = await given.user();
    const wrongPassword = await post('/auth/login', { email: ada.email, password: 'not the password' });
    const unknownEmail = await post('/auth/login', { email: `${uniqueName()}@example.test`, password: 'not the password' });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    const { requestId: _a, ...first } = wrongPassword.json();
    const { requestId: _b, ...second } = unknownEmail.json();
    expect(first).toEqual(second);
    expect(first.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a request without a token, and an unknown refresh token', async () => {
    const anonymous = await get('/auth/sessions');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    const unknown = await post('/auth/refresh', { refreshToken: 'x'.repeat(43) });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().code).toBe('UNAUTHORIZED');
  });

  it('gives builders that make signed-in users and admins', async () => {
    const admin = await given.admin();
    expect(admin.role).toBe('admin');
    const payload = JSON.parse(Buffer.from(admin.accessToken.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: admin.id, role: 'admin', sid: expect.any(String) });
  });
});

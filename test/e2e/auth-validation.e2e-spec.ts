import { builders, type Given, uniqueName } from '../support/given.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('auth: validation and conflicts', () => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp();
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const signup = (payload: object) => running.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload });

  it('refuses an email that is taken in another case with 409', async () => {
    const ada = await given.user();
    const response = await signup({ email: ada.email.toUpperCase(), username: uniqueName(), password: 'a long password' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'CONFLICT', message: expect.stringMatching(/email/i) });
  });

  it('refuses a taken username with 409', async () => {
    const ada = await given.user();
    const response = await signup({ email: `${uniqueName()}@example.test`, username: ada.username, password: 'a long password' });
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toMatch(/username/i);
  });

  it('answers invalid input with the envelope, one detail per field', async () => {
    const response = await signup({ email: 'not-an-email', username: 'Bad Name', password: 'short' });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      details: expect.any(Array),
      requestId: response.headers['x-request-id'],
    });
    expect([...new Set(body.details.map((d: { field: string }) => d.field))].sort()).toEqual(['email', 'password', 'username']);
  });

  it.each([
    ['a password over 128 characters', { password: 'x'.repeat(129) }, 'password'],
    ['a username over 32 characters', { username: 'a'.repeat(33) }, 'username'],
    ['a username with upper case', { username: 'Ada_L' }, 'username'],
    ['an unknown field', { role: 'admin' }, 'role'],
  ])('refuses %s', async (_what, override, field) => {
    const response = await signup({ email: `${uniqueName()}@example.test`, username: uniqueName(), password: 'a long password', ...override });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('defaults the display name to the username', async () => {
    const username = uniqueName();
    const response = await signup({ email: `${username}@example.test`, username, password: 'a long password' });
    expect(response.json().user.displayName).toBe(username);
  });
});

describe('auth: rate limits', () => {
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_THROTTLE_LIMIT: '3', LOGIN_MAX_FAILURES: '2' });
  });

  afterAll(async () => {
    await running.close();
  });

  // A unique client address per test, so suites sharing Redis don't share a budget.
  const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  const login = (payload: object, remoteAddress = address()) => running.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress });

  it('limits signup, login and refresh per IP, answering 429 with retry-after', async () => {
    const remoteAddress = address();
    const email = `${uniqueName()}@example.test`;
    const attempts = [
      () => running.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: {}, remoteAddress }),
      () => running.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: 'nope' }, remoteAddress }),
      () => login({ email, password: 'whatever1' }, remoteAddress),
      () => login({ email, password: 'whatever1' }, remoteAddress),
    ];
    const answers = [];
    for (const attempt of attempts) answers.push(await attempt());
    expect(answers.map((a) => a.statusCode)).toEqual([400, 401, 401, 429]);
    expect(answers[2].headers['x-ratelimit-remaining']).toBe('0');
    const limited = answers[3];
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    // Another address still gets in.
    expect((await login({ email, password: 'whatever1' })).statusCode).toBe(401);
  });

  it('makes an address wait after LOGIN_MAX_FAILURES failed logins to an account, even with the right password; other addresses get in', async () => {
    const given = builders(running);
    const ada = await given.user();
    const stranger = address();
    for (let i = 0; i < 2; i++) expect((await login({ email: ada.email, password: 'wrong password' }, stranger)).statusCode).toBe(401);
    const waiting = await login({ email: ada.email.toUpperCase(), password: ada.password }, stranger);
    expect(waiting.statusCode).toBe(429);
    expect(waiting.json().code).toBe('RATE_LIMITED');
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The owner, from anywhere else, is not affected (see lockout.e2e-spec for the whole schedule).
    expect((await login({ email: ada.email, password: ada.password })).statusCode).toBe(200);
    const bob = await given.user();
    expect((await login({ email: bob.email, password: bob.password })).statusCode).toBe(200);
  });

  it('counts failures for unknown emails the same way', async () => {
    const email = `${uniqueName()}@example.test`;
    const stranger = address();
    for (let i = 0; i < 2; i++) expect((await login({ email, password: 'wrong password' }, stranger)).statusCode).toBe(401);
    expect((await login({ email, password: 'wrong password' }, stranger)).statusCode).toBe(429);
  });
});

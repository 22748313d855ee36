import { builders, type Given } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

describe('sessions and password change', () => {
  const app = useTestApp();
  let given: Given;

  beforeAll(async () => {
    given = builders(app.running);
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers, payload });
  const sessionIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;

  it("lists the caller's live sessions, marking the current one", async () => {
    const ada = await given.user();
    const login = await app.running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ada.email, password: ada.password },
      headers: { 'user-agent': 'ChatApp/1.0 (phone)' },
      remoteAddress: '203.0.113.7',
    });
    const phone = { authorization: `Bearer ${login.json().accessToken}` };
    const response = await inject('GET', '/auth/sessions', phone);
    expect(response.statusCode).toBe(200);
    const sessions = response.json();
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toEqual({
      id: sessionIdOf(login.json().accessToken),
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      userAgent: 'ChatApp/1.0 (phone)',
      ip: '203.0.113.7',
      current: true,
    });
    expect(sessions[1]).toMatchObject({ id: sessionIdOf(ada.accessToken), current: false });
  });

  it('revokes one of my sessions, and answers 404 for anyone else’s', async () => {
    const ada = await given.user();
    const laptop = await given.anotherSession(ada);
    const eve = await given.user();

    const foreign = await inject('DELETE', `/auth/sessions/${sessionIdOf(ada.accessToken)}`, eve.auth);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('NOT_FOUND');
    expect((await inject('GET', '/users/me', ada.auth)).statusCode).toBe(200);

    expect((await inject('DELETE', `/auth/sessions/${sessionIdOf(laptop.accessToken)}`, ada.auth)).statusCode).toBe(204);
    expect((await inject('GET', '/users/me', laptop.auth)).statusCode).toBe(401);
    expect((await inject('POST', '/auth/refresh', {}, { refreshToken: laptop.refreshToken })).statusCode).toBe(401);
    const remaining = (await inject('GET', '/auth/sessions', ada.auth)).json();
    expect(remaining.map((s: { id: string }) => s.id)).toEqual([sessionIdOf(ada.accessToken)]);

    expect((await inject('DELETE', `/auth/sessions/${sessionIdOf(laptop.accessToken)}`, ada.auth)).statusCode).toBe(404);
    const malformed = await inject('DELETE', '/auth/sessions/not-a-uuid', ada.auth);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().details).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
  });

  it('changes the password and revokes every other session, keeping the current one', async () => {
    const ada = await given.user({ password: 'the old password' });
    const other = await given.anotherSession(ada);

    const changed = await inject('POST', '/auth/password', ada.auth, { currentPassword: 'the old password', newPassword: 'the new password' });
    expect(changed.statusCode).toBe(204);

    expect((await inject('GET', '/users/me', ada.auth)).statusCode).toBe(200);
    expect((await inject('GET', '/users/me', other.auth)).statusCode).toBe(401);
    expect((await inject('POST', '/auth/refresh', {}, { refreshToken: other.refreshToken })).statusCode).toBe(401);
    expect((await inject('POST', '/auth/login', {}, { email: ada.email, password: 'the old password' })).statusCode).toBe(401);
    expect((await inject('POST', '/auth/login', {}, { email: ada.email, password: 'the new password' })).statusCode).toBe(200);
  });

  it('refuses a password change with the wrong current password, and changes nothing', async () => {
    const ada = await given.user({ password: 'the old password' });
    const other = await given.anotherSession(ada);
    const response = await inject('POST', '/auth/password', ada.auth, { currentPassword: 'a wrong password', newPassword: 'the new password' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'currentPassword', message: expect.any(String) }] });
    expect((await inject('GET', '/users/me', other.auth)).statusCode).toBe(200);
    expect((await inject('POST', '/auth/login', {}, { email: ada.email, password: 'the old password' })).statusCode).toBe(200);
  });

  it('keeps a session alive through many rotations, each token good exactly once', async () => {
    const ada = await given.user();
    let refreshToken = ada.refreshToken;
    for (let i = 0; i < 3; i++) {
      const response = await inject('POST', '/auth/refresh', {}, { refreshToken });
      expect(response.statusCode).toBe(200);
      expect(sessionIdOf(response.json().accessToken)).toBe(sessionIdOf(ada.accessToken));
      refreshToken = response.json().refreshToken;
    }
  });

  it('answers two concurrent refreshes with the same token with the same new refresh token (one counts as the retry)', async () => {
    const ada = await given.user();
    const answers = await Promise.all([1, 2].map(() => inject('POST', '/auth/refresh', {}, { refreshToken: ada.refreshToken })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const [first, second] = answers.map((answer) => answer.json());
    expect(second.refreshToken).toBe(first.refreshToken);
    // A third presentation is reuse, and ends the session.
    const third = await inject('POST', '/auth/refresh', {}, { refreshToken: ada.refreshToken });
    expect(third.json()).toMatchObject({ code: 'TOKEN_REUSED' });
    expect((await inject('POST', '/auth/refresh', {}, { refreshToken: first.refreshToken })).statusCode).toBe(401);
  });
});

import { DataSource } from 'typeorm';
import { hashRefreshToken } from '../../src/auth/refresh-tokens.js';
import { builders, type Given, type GivenUser, uniqueAddress } from '../support/given.js';
import { sessionIdOf } from '../support/world.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * A refresh whose answer was lost (a dropped connection, a killed tab) is retried with the same token.
 * Within JWT_REFRESH_RETRY_GRACE that retry gets the same new refresh token, once (RFC 9700 §4.14.2);
 * every other second use of a spent token is still reuse, and revokes the session.
 */
describe('a retried refresh', () => {
  let running: TestApp;
  let given: Given;
  let database: DataSource;

  beforeAll(async () => {
    running = await startTestApp();
    given = builders(running);
    database = running.app.get(DataSource);
  });

  afterAll(async () => {
    await running.close();
  });

  const refresh = (refreshToken: string) =>
    running.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken }, remoteAddress: uniqueAddress() });
  const me = (accessToken: string) => running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${accessToken}` } });

  async function rotated(user: GivenUser) {
    const response = await refresh(user.refreshToken);
    expect(response.statusCode).toBe(200);
    return response.json() as { accessToken: string; refreshToken: string };
  }

  it('answers a retry within the grace window with the same new refresh token, and the session lives on', async () => {
    const ada = await given.user();
    const first = await rotated(ada);
    const retry = await refresh(ada.refreshToken);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().refreshToken).toBe(first.refreshToken);
    expect(sessionIdOf({ accessToken: retry.json().accessToken } as GivenUser)).toBe(sessionIdOf(ada));
    expect((await me(retry.json().accessToken)).statusCode).toBe(200);
    expect((await me(first.accessToken)).statusCode).toBe(200);
    // The new token goes on working as the session's one current token.
    expect((await refresh(first.refreshToken)).statusCode).toBe(200);
  });

  it('treats a third use of the token as reuse and revokes the session', async () => {
    const ada = await given.user();
    const first = await rotated(ada);
    expect((await refresh(ada.refreshToken)).statusCode).toBe(200);
    const third = await refresh(ada.refreshToken);
    expect(third.statusCode).toBe(401);
    expect(third.json()).toMatchObject({ code: 'TOKEN_REUSED' });
    expect((await refresh(first.refreshToken)).statusCode).toBe(401);
    expect((await me(first.accessToken)).statusCode).toBe(401);
  });

  it('treats a retry as reuse once the new token was used', async () => {
    const ada = await given.user();
    const first = await rotated(ada);
    const second = (await refresh(first.refreshToken)).json();
    const late = await refresh(ada.refreshToken);
    expect(late.json()).toMatchObject({ code: 'TOKEN_REUSED' });
    expect((await refresh(second.refreshToken)).statusCode).toBe(401);
  });

  it('treats a retry after the grace window as reuse', async () => {
    const ada = await given.user();
    const first = await rotated(ada);
    await database.query(`UPDATE spent_refresh_token SET replayable_until = now() - interval '1 second' WHERE token_hash = $1`, [
      hashRefreshToken(ada.refreshToken),
    ]);
    expect((await refresh(ada.refreshToken)).json()).toMatchObject({ code: 'TOKEN_REUSED' });
    expect((await refresh(first.refreshToken)).statusCode).toBe(401);
  });

  it('keeps no usable copy of the new refresh token in the database', async () => {
    const ada = await given.user();
    const first = await rotated(ada);
    const [row] = await database.query(
      `SELECT t.successor_sealed, s.refresh_token_hash FROM spent_refresh_token t JOIN session s ON s.id = t.session_id WHERE t.token_hash = $1`,
      [hashRefreshToken(ada.refreshToken)],
    );
    expect(row.refresh_token_hash).toBe(hashRefreshToken(first.refreshToken));
    const sealed: Buffer = row.successor_sealed;
    expect(sealed.length).toBeGreaterThan(first.refreshToken.length);
    // Neither the token's text nor its 32 random bytes are in what is stored.
    expect(sealed.includes(Buffer.from(first.refreshToken, 'utf8'))).toBe(false);
    expect(sealed.includes(Buffer.from(first.refreshToken, 'base64url'))).toBe(false);
    // A forged token whose hash matches nothing opens nothing: it is just unknown.
    expect((await refresh('x'.repeat(43))).json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers 403 USER_BANNED to a banned user refreshing with the current or a spent token', async () => {
    const admin = await given.admin();
    const ada = await given.user();
    const first = await rotated(ada);
    const ban = await running.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${ada.id}`, headers: admin.auth, payload: { banned: true } });
    expect(ban.statusCode).toBe(200);
    for (const token of [first.refreshToken, ada.refreshToken]) {
      const answer = await refresh(token);
      expect(answer.statusCode).toBe(403);
      expect(answer.json()).toMatchObject({ code: 'USER_BANNED' });
    }
  });
});

describe('a retried refresh with JWT_REFRESH_RETRY_GRACE=0', () => {
  it('is reuse at once', async () => {
    const running = await startTestApp({ JWT_REFRESH_RETRY_GRACE: '0' });
    try {
      const ada = await builders(running).user();
      const refresh = (refreshToken: string) =>
        running.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken }, remoteAddress: uniqueAddress() });
      expect((await refresh(ada.refreshToken)).statusCode).toBe(200);
      expect((await refresh(ada.refreshToken)).json()).toMatchObject({ code: 'TOKEN_REUSED' });
    } finally {
      await running.close();
    }
  });
});

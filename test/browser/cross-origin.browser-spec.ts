import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import { apiFrom, launchBrowser, type PageResponse, recordRequests, serveSite, type Site, type TestBrowser } from '../support/browser.js';
import { builders, type GivenUser, uniqueAddress } from '../support/given.js';
import { chatBuilders } from '../support/given-chat.js';
import { image } from '../support/media-samples.js';
import { expectResponseMatchesOpenApi, type HttpMethod, loadOpenApi, type OpenApiDocument } from '../support/openapi-responses.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

/*
 * A web frontend as a browser runs it: real Chromium showing a page from one origin (a static site on its
 * own port) that calls the API on another, with fetch and socket.io-client — every REST method with its
 * preflight, the headers CORS lets the page read, the socket over WebSocket and long-polling, token
 * refresh, the README's snippet as written; and a page on an origin the API doesn't allow, refused.
 */

/** socket.io-client's browser bundle, a global of the test page. */
declare const io: typeof import('socket.io-client').io;

interface PageWindow {
  received: Array<{ content: string | null }>;
  cursors: string[];
  socketIds: string[];
}

let browser: TestBrowser;
let site: Site;
let stranger: Site;
let running: TestApp;
let document: OpenApiDocument;
let requests: ReturnType<typeof recordRequests>;
let page: Page;
let api: ReturnType<typeof apiFrom>;

beforeAll(async () => {
  [browser, site, stranger] = await Promise.all([launchBrowser(), serveSite(), serveSite()]);
  running = await startTestApp({ CORS_ORIGINS: site.origin }, { listen: true });
  document = await loadOpenApi(running);
  requests = recordRequests(running.app.getHttpServer() as Server);
  page = await browser.open(site);
  api = apiFrom(page, running.url);
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await Promise.all([site?.close(), stranger?.close()]);
});

/** The answer is what the document says (status, strict body schema) and carries the headers a page must read. */
function expectDocumented(method: HttpMethod, route: string, response: PageResponse, status: number, { throttled = true } = {}) {
  expect([method, route, response.status]).toEqual([method, route, status]);
  expect(response.headers['x-request-id']).toMatch(/\S/);
  if (throttled) expect(response.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
  const body = response.body === null ? '' : JSON.stringify(response.body);
  expectResponseMatchesOpenApi(document, method, route, { statusCode: response.status, headers: response.headers, body });
}

async function signUpInPage(name: string): Promise<{ id: string; email: string; password: string; accessToken: string; refreshToken: string }> {
  const email = `${name}.${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct horse battery staple';
  const response = await api('POST', '/auth/signup', { body: { email, username: `${name}_${randomUUID().slice(0, 8)}`, password } });
  expectDocumented('POST', '/api/v1/auth/signup', response, 201);
  const body = response.body as { user: { id: string }; accessToken: string; refreshToken: string };
  return { id: body.user.id, email, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

const preflightsFor = (path: string) => requests.filter((request) => request.method === 'OPTIONS' && request.url === path);

describe('a page on an allowed origin', () => {
  let bob: GivenUser;
  let carol: GivenUser;

  beforeAll(async () => {
    const given = builders(running);
    [bob, carol] = await Promise.all([given.user(), given.user()]);
  });

  it('uses every REST method across origins, each URL preflighted once (max-age), reading the exposed headers', async () => {
    const ada = await signUpInPage('ada');
    const token = ada.accessToken;

    const me = await api('GET', '/users/me', { token });
    expectDocumented('GET', '/api/v1/users/me', me, 200);
    expect(me.headers['cache-control']).toBe('no-store');
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(me.headers[name]).toMatch(/^\d+$/);

    expectDocumented('PATCH', '/api/v1/users/me', await api('PATCH', '/users/me', { token, body: { displayName: 'Ada' } }), 200);
    expectDocumented('PATCH', '/api/v1/users/me', await api('PATCH', '/users/me', { token, body: { statusText: 'Computing' } }), 200);
    // One preflight for the URL: its answer (every method, max-age) covered the GET and both PATCHes.
    expect(preflightsFor('/api/v1/users/me')).toHaveLength(1);

    const created = await api('POST', '/conversations', { token, body: { type: 'group', title: 'Lunch', memberIds: [bob.id] } });
    expectDocumented('POST', '/api/v1/conversations', created, 201);
    const group = created.body as { id: string };
    const conversation = `/conversations/${group.id}`;
    expectDocumented('PATCH', '/api/v1/conversations/{id}', await api('PATCH', conversation, { token, body: { title: 'Lunch on Friday' } }), 200);
    expectDocumented('POST', '/api/v1/conversations/{id}/members', await api('POST', `${conversation}/members`, { token, body: { userIds: [carol.id] } }), 200);
    expectDocumented(
      'PATCH',
      '/api/v1/conversations/{id}/members/{userId}',
      await api('PATCH', `${conversation}/members/${carol.id}`, { token, body: { role: 'admin' } }),
      200,
    );

    const sent = await api('POST', `${conversation}/messages`, { token, body: { clientMessageId: randomUUID(), content: 'Noon?' } });
    expectDocumented('POST', '/api/v1/conversations/{id}/messages', sent, 201);
    const message = `${conversation}/messages/${(sent.body as { id: string }).id}`;
    const edited = await api('PATCH', message, { token, body: { content: 'Noon at the usual place?' } });
    expectDocumented('PATCH', '/api/v1/conversations/{id}/messages/{messageId}', edited, 200);
    expect(edited.body).toMatchObject({ content: 'Noon at the usual place?', editedAt: expect.any(String) });
    const reaction = `${message}/reactions/${encodeURIComponent('👍')}`;
    const reacted = await api('PUT', reaction, { token });
    expectDocumented('PUT', '/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', reacted, 200);
    expect((reacted.body as { reactions: unknown[] }).reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    expectDocumented('DELETE', '/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', await api('DELETE', reaction, { token }), 204);
    expectDocumented('POST', '/api/v1/conversations/{id}/read', await api('POST', `${conversation}/read`, { token, body: { seq: 1 } }), 204);
    expectDocumented('DELETE', '/api/v1/conversations/{id}/messages/{messageId}', await api('DELETE', message, { token }), 204);
    expectDocumented('DELETE', '/api/v1/conversations/{id}/members/{userId}', await api('DELETE', `${conversation}/members/${carol.id}`, { token }), 204);
    const history = await api('GET', `${conversation}/messages`, { token });
    expectDocumented('GET', '/api/v1/conversations/{id}/messages', history, 200);
    expect((history.body as { items: Array<{ deletedAt: string | null }> }).items).toEqual([expect.objectContaining({ deletedAt: expect.any(String) })]);

    expectDocumented('PUT', '/api/v1/users/{id}/block', await api('PUT', `/users/${bob.id}/block`, { token }), 204);
    expectDocumented('DELETE', '/api/v1/users/{id}/block', await api('DELETE', `/users/${bob.id}/block`, { token }), 204);

    // A second device signs in; the page signs it out, sending content-type: application/json with no body.
    const other = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ada.email, password: ada.password },
      remoteAddress: uniqueAddress(),
    });
    const sessions = await api('GET', '/auth/sessions', { token });
    expectDocumented('GET', '/api/v1/auth/sessions', sessions, 200);
    const otherSession = (sessions.body as Array<{ id: string; current: boolean }>).find((session) => !session.current)!;
    expectDocumented('DELETE', '/api/v1/auth/sessions/{id}', await api('DELETE', `/auth/sessions/${otherSession.id}`, { token, jsonHeaderAlways: true }), 204);
    const revoked = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${other.json().accessToken}` } });
    expect(revoked.statusCode).toBe(401);

    expectDocumented('POST', '/api/v1/auth/logout', await api('POST', '/auth/logout', { token, jsonHeaderAlways: true }), 204);
    const signedOut = await api('GET', '/users/me', { token });
    // Refused by the auth guard, which runs before the rate limiter.
    expectDocumented('GET', '/api/v1/users/me', signedOut, 401, { throttled: false });
    expect(signedOut.body).toMatchObject({ code: 'UNAUTHORIZED', requestId: signedOut.headers['x-request-id'] });

    // Every URL was preflighted once at most, whatever methods the page used on it.
    const preflighted = requests.filter((request) => request.method === 'OPTIONS').map((request) => request.url);
    expect(preflighted.length).toBeGreaterThan(10);
    expect(preflighted.length).toBe(new Set(preflighted).size);
  });

  it('refreshes its tokens: the new pair works, the spent refresh token is refused', async () => {
    const ada = await signUpInPage('refresher');
    const refreshed = await api('POST', '/auth/refresh', { body: { refreshToken: ada.refreshToken } });
    expectDocumented('POST', '/api/v1/auth/refresh', refreshed, 200);
    const tokens = refreshed.body as { accessToken: string; refreshToken: string };
    expect(tokens.refreshToken).not.toBe(ada.refreshToken);
    expectDocumented('GET', '/api/v1/users/me', await api('GET', '/users/me', { token: tokens.accessToken }), 200);
    // Once its successor is spent too, the first token is past its retry grace (JWT_REFRESH_RETRY_GRACE): reuse.
    expectDocumented('POST', '/api/v1/auth/refresh', await api('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } }), 200);
    const reused = await api('POST', '/auth/refresh', { body: { refreshToken: ada.refreshToken } });
    expectDocumented('POST', '/api/v1/auth/refresh', reused, 401);
    expect(reused.body).toMatchObject({ code: 'TOKEN_REUSED' });
  });

  it('cannot make the simple requests a form post or text/plain would be: 415, readable by the allowed page', async () => {
    const form = await api('POST', '/auth/signup', {
      raw: true,
      body: 'email=eve%40example.test&username=eve_x&password=12345678',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const text = await api('POST', '/auth/signup', { raw: true, body: '{"email":"eve@example.test"}', headers: { 'content-type': 'text/plain' } });
    // Refused by the body parser, before the rate limiter counts anything.
    for (const refused of [form, text]) expectDocumented('POST', '/api/v1/auth/signup', refused, 415, { throttled: false });
    expect(form.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('uploads a file and reads its media headers: etag, accept-ranges, content-disposition, content-range', async () => {
    const ada = await signUpInPage('uploader');
    const png = (await image.png(16, 16)).toString('base64');
    const uploaded = await page.evaluate(
      async ({ base, token, bytes }) => {
        const form = new FormData();
        form.append('file', new Blob([Uint8Array.from(atob(bytes), (char) => char.charCodeAt(0))], { type: 'image/png' }), 'dot.png');
        const response = await fetch(`${base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
        return { status: response.status, body: (await response.json()) as { id: string } };
      },
      { base: running.url, token: ada.accessToken, bytes: png },
    );
    expect(uploaded.status).toBe(201);
    const whole = await api('GET', `/media/${uploaded.body.id}/content`, { token: ada.accessToken });
    expect([whole.status, whole.headers['accept-ranges'], whole.headers['content-disposition']]).toEqual([200, 'bytes', expect.stringMatching(/^inline/)]);
    expect(whole.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    const part = await api('GET', `/media/${uploaded.body.id}/content`, { token: ada.accessToken, headers: { range: 'bytes=0-9' } });
    expect([part.status, part.headers['content-range']]).toEqual([206, expect.stringMatching(/^bytes 0-9\/\d+$/)]);
  });

  it.each([['websocket'], ['polling']])('receives over a %s-only socket the message sent over REST', async (transport) => {
    const given = builders(running);
    const [ada, ben] = await Promise.all([given.user(), given.user()]);
    const group = await chatBuilders(running).group(ada, [ben]);
    const connected = await page.evaluate(
      ({ base, token, transports }) =>
        new Promise<string>((resolve, reject) => {
          const state = globalThis as unknown as PageWindow;
          state.received = [];
          state.cursors = [];
          const socket = io(base, { auth: { token }, transports, reconnection: false });
          socket.on('message.created', (message: { content: string | null }, meta: { cursor: string }) => {
            state.received.push(message);
            state.cursors.push(meta.cursor);
          });
          socket.on('connect', () => resolve(socket.io.engine.transport.name));
          socket.on('connect_error', (error: Error) => reject(new Error(`connect_error: ${error.message}`)));
        }),
      { base: running.url, token: ben.accessToken, transports: [transport] },
    );
    expect(connected).toBe(transport);
    await chatBuilders(running).message(ada, group, `over ${transport}`);
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).received.length > 0);
    const state = await page.evaluate(() => {
      const { received, cursors } = globalThis as unknown as PageWindow;
      return { received, cursors };
    });
    expect(state.received.map((message) => message.content)).toEqual([`over ${transport}`]);
    expect(state.cursors).toEqual([expect.any(String)]);
  });

  it("runs the README's snippet as written: sign-in, a list, a socket that gets a message", async () => {
    const snippet = /<!-- browser-snippet -->\s*```js\n([\s\S]*?)```/.exec(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))?.[1];
    expect(snippet).toContain("const API = 'http://localhost:3000';");
    // The README's user, with the README's password.
    const signup = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'ada@example.com', username: `readme_${randomUUID().slice(0, 8)}`, password: 'correct horse battery staple', displayName: 'Ada' },
      remoteAddress: uniqueAddress(),
    });
    expect(signup.statusCode).toBe(201);
    const ada = signup.json() as { user: { id: string } };
    const bob = await builders(running).user({ displayName: 'Bob' });
    const direct = await running.app.inject({
      method: 'POST',
      url: '/api/v1/conversations',
      headers: bob.auth,
      payload: { type: 'direct', userId: ada.user.id },
    });
    const logged: string[] = [];
    page.on('console', (entry) => logged.push(entry.text()));
    const source = snippet!.replace("const API = 'http://localhost:3000';", `const API = '${running.url}';`);
    await page.evaluate(async (code) => {
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => () => Promise<void>;
      await new AsyncFunction(code)();
    }, source);
    expect(logged).toContain('1 conversations');
    // The snippet's socket connects by itself: once Ada shows as online, it is in her rooms.
    await until(
      async () => (await running.app.inject({ method: 'GET', url: `/api/v1/users/${ada.user.id}`, headers: bob.auth })).json().presence.online === true,
    );
    const shown = page.waitForEvent('console', (entry) => entry.text() === 'Bob: Hi Ada');
    await chatBuilders(running).message(bob, direct.json(), 'Hi Ada');
    await shown;
    expect(await page.evaluate(() => localStorage.getItem('chat.cursor'))).toMatch(/\S/);
  });
});

describe('a page on an origin the API does not allow', () => {
  let strangerPage: Page;
  let user: GivenUser;

  beforeAll(async () => {
    strangerPage = await browser.open(stranger);
    user = await builders(running).user();
  });

  it('is refused at the REST preflight, and cannot read even a simple GET', async () => {
    const strangerApi = apiFrom(strangerPage, running.url);
    const patch = await strangerApi('PATCH', '/users/me', { token: user.accessToken, body: { displayName: 'Mallory' } });
    const read = await strangerApi('GET', '/health/live');
    expect([patch.status, read.status]).toEqual([0, 0]);
    expect(patch.body).toMatch(/TypeError/);
    const me = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
    expect(me.json().displayName).not.toBe('Mallory');
  });

  it.each([['websocket'], ['polling']])('is refused at the %s socket handshake', async (transport) => {
    const outcome = await strangerPage.evaluate(
      ({ base, token, transports }) =>
        new Promise<string>((resolve) => {
          const socket = io(base, { auth: { token }, transports, reconnection: false });
          socket.on('connect', () => resolve('connected'));
          socket.on('connect_error', () => resolve('refused'));
        }),
      { base: running.url, token: user.accessToken, transports: [transport] },
    );
    expect(outcome).toBe('refused');
  });
});

describe('Swagger UI under its Content-Security-Policy', () => {
  it('renders every tag of the document, with no CSP violation', async () => {
    const docs = await browser.open(site, '/');
    const violations: string[] = [];
    docs.on('console', (entry) => {
      if (/Content Security Policy|Refused to/i.test(entry.text())) violations.push(entry.text());
    });
    const answer = await docs.goto(`${running.url}/docs`);
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");
    await docs.waitForSelector('.swagger-ui .information-container .title');
    await docs.waitForSelector('.opblock-tag-section');
    const tags = await docs.$$eval('.opblock-tag', (elements) => elements.map((element) => element.getAttribute('data-tag')));
    expect(tags).toEqual(document.tags?.map((tag) => tag.name));
    expect(violations).toEqual([]);
    await docs.close();
  });
});

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { MAX_ENTRIES } from '../../src/common/validation/input-shape.js';
import { MAX_DETAILS } from '../../src/common/validation/validation.pipe.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { clientSocket, connected } from '../support/sockets.js';
import { eventually } from '../support/faults/ports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * Input built to hurt: bodies wide enough to keep class-transformer busy for seconds, NUL characters
 * PostgreSQL can't store, cursors forged to carry what the database can't read, names that hide or
 * reorder text. Each is refused at the edge with 400 VALIDATION_FAILED naming the field, never a 500.
 */

/** A JSON body of `keys` unknown keys (`{"a0":0,"a1":1,…}`), about 11 bytes each. */
function wideBody(keys: number, known: Record<string, unknown> = {}): string {
  const parts = Object.entries(known).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  for (let n = 0; n < keys; n++) parts.push(`"a${n}":${n % 10}`);
  return `{${parts.join(',')}}`;
}

describe('wide bodies', () => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const login = (body: string) => fetch(`${running.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('refuses an anonymous login of ~90,000 unknown keys (~1 MiB) with one short 400, before class-transformer sees it', async () => {
    const body = wideBody(90_000, { email: 'a@example.test', password: 'whatever password' });
    expect(body.length).toBeGreaterThan(900_000);
    expect(body.length).toBeLessThan(1024 * 1024);
    const response = await login(body);
    const text = await response.text();
    expect(response.status).toBe(400);
    // class-transformer and class-validator would have answered "a0 is not an accepted field", once per key.
    expect(JSON.parse(text)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The request has too many fields',
      details: [{ field: 'body', message: `more than ${MAX_ENTRIES} fields and array items` }],
    });
    expect(text.length).toBeLessThan(1_000);
  });

  it('keeps /health/live answering while such logins arrive', async () => {
    const body = wideBody(90_000, { email: 'a@example.test', password: 'whatever password' });
    const attack = Array.from({ length: 3 }, () => login(body).then((response) => response.status));
    const live = await fetch(`${running.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await Promise.all(attack)).toEqual([400, 400, 400]);
  });

  it('keeps the connection open after refusing a body it read whole (malformed, too deep, too wide)', async () => {
    const { hostname, port } = new URL(running.url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    /** Writes one request and waits for its whole answer (the body's length is in content-length). */
    const exchange = async (request: string) => {
      received = '';
      socket.write(request);
      await eventually(
        async () => {
          const match = /content-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(received);
          return match && match[2].length >= Number(match[1]) ? true : undefined;
        },
        { timeoutMs: 10_000, what: 'an answer' },
      );
      return received;
    };
    const post = (body: string) =>
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    try {
      for (const body of ['{"email":', `${'{"a":'.repeat(100)}0${'}'.repeat(100)}`, wideBody(MAX_ENTRIES + 10)]) {
        const answer = await exchange(post(body));
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer).toContain('VALIDATION_FAILED');
        expect(answer.toLowerCase()).not.toContain('connection: close');
      }
      // The same connection still serves.
      expect(await exchange('GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });

  it('lists at most MAX_DETAILS problems even when many fields are wrong', async () => {
    const ada = await given.user();
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, n) => [`field${n}`, n])));
    const response = await fetch(`${running.url}/api/v1/users/me`, { method: 'PATCH', headers: { ...ada.auth, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { details: unknown[]; message: string };
    expect(answer.details).toHaveLength(MAX_DETAILS);
    expect(answer.message).toMatch(/first 20 of 200 problems/);
  });

  it('refuses a wide socket payload the same way, in the acknowledgement, and the socket stays', async () => {
    const ada = await given.user();
    const socket = clientSocket(running.url, ada.accessToken);
    try {
      await connected(socket);
      // 5,000 keys fit in one 64 KiB frame.
      const payload = JSON.parse(wideBody(5_000, { conversationId: randomUUID(), clientMessageId: randomUUID(), content: 'hi' }));
      const ack = await socket.timeout(10_000).emitWithAck('message.send', payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('too many fields') } });
      expect(ack.error.message.length).toBeLessThan(500);
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  });
});

describe('NUL characters and forged cursors', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let ada: GivenUser;
  let bob: GivenUser;
  let room: { id: string };

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    [ada, bob] = [await given.user(), await given.user()];
    room = await chat.group(ada, [bob], 'A room');
  });

  afterAll(async () => {
    await running.close();
  });

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: ada.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  function expectRefusalNaming(response: { statusCode: number; json(): unknown }, field: string) {
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field, message: expect.stringContaining('NUL') }] });
  }

  it.each([
    ['message content', () => send('POST', `/conversations/${room.id}/messages`, { clientMessageId: randomUUID(), content: 'hi\u0000there' }), 'content'],
    ['a group title', () => send('POST', '/conversations', { type: 'group', title: 'ti\u0000tle', memberIds: [] }), 'title'],
    ['a rename', () => send('PATCH', `/conversations/${room.id}`, { title: '\u0000' }), 'title'],
    ['a display name', () => send('PATCH', '/users/me', { displayName: 'Ada\u0000' }), 'displayName'],
    ['a status text', () => send('PATCH', '/users/me', { statusText: '\u0000\u0000' }), 'statusText'],
    ['a search term', () => send('GET', `/messages/search?q=${encodeURIComponent('hello\u0000')}`), 'q'],
    ['a user search', () => send('GET', `/users?search=${encodeURIComponent('a\u0000')}`), 'search'],
    [
      'a password at login',
      () => running.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: ada.email, password: 'pass\u0000word' } }),
      'password',
    ],
    ['a key', () => send('PATCH', '/users/me', JSON.parse('{"display\\u0000Name": "x"}')), 'display\\u0000Name'],
  ])('in %s is a 400 naming the field', async (_where, request, field) => {
    expectRefusalNaming(await request(), field);
  });

  it('in an edit is a 400 naming the field, and the message is unchanged', async () => {
    const message = await chat.message(ada, room, 'the original');
    expectRefusalNaming(await send('PATCH', `/conversations/${room.id}/messages/${message.id}`, { content: 'edited\u0000' }), 'content');
    const history = await send('GET', `/conversations/${room.id}/messages`);
    expect(history.json().items.find((item: { id: string }) => item.id === message.id).content).toBe('the original');
  });

  it('in a socket payload is a VALIDATION_FAILED ack naming the field', async () => {
    const socket = clientSocket(running.url, ada.accessToken);
    try {
      await connected(socket);
      const ack = await socket.timeout(5_000).emitWithAck('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'a\u0000b' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('content: content must not contain NUL') } });
    } finally {
      socket.disconnect();
    }
  });

  const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

  it.each([
    ['a timestamp that is no date', { positionAt: '2026-13-45T99:99:99.000000Z', id: randomUUID() }],
    ['a timestamp of a day that does not exist', { positionAt: '2026-02-30T00:00:00.000000Z', id: randomUUID() }],
    ['a timestamp with a NUL', { positionAt: '2026-01-01T00:00:00Z\u0000', id: randomUUID() }],
    ['an id that is no uuid', { positionAt: '2026-01-01T00:00:00.000000Z', id: 'x' }],
    ['a number instead of text', { positionAt: 1, id: 2 }],
    ['an array', [1, 2]],
  ])('a conversation-list cursor with %s is a 400 naming cursor', async (_what, position) => {
    const response = await send('GET', `/conversations?cursor=${cursorOf(position)}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
  });

  it.each([
    ['messages/search?q=hello&cursor=', { createdAt: 'not a time', id: randomUUID() }],
    ['messages/search?q=hello&cursor=', { createdAt: '2026-01-01T00:00:00.000000Z', id: `${randomUUID()}\u0000` }],
    ['users?search=a&cursor=', { username: 'a\u0000' }],
    ['admin/users?cursor=', { username: 'x'.repeat(300) }],
  ])('a cursor of %s that the database could not read is a 400', async (path, position) => {
    const admin = await given.admin();
    const response = await running.app.inject({ method: 'GET', url: `/api/v1/${path}${cursorOf(position)}`, headers: admin.auth });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
  });
});

describe('names that hide, impersonate or reorder text', () => {
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

  const patchMe = (payload: object) => running.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: ada.auth, payload });

  it.each([
    ['displayName', 'a right-to-left override', '\u202Egnp.exe'],
    ['displayName', 'an isolate', 'Ada\u2067Admin\u2069'],
    ['displayName', 'zero-width characters only', '\u200B\u200B'],
    ['displayName', 'joiners only', '\u200D\u200C'],
    ['displayName', 'a Hangul filler', '\u3164'],
    ['statusText', 'a right-to-left mark', 'away\u200F'],
    ['statusText', 'a new line', 'line one\nline two'],
  ])('refuses %s with %s', async (field, _what, value) => {
    const response = await patchMe({ [field]: value });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field }] });
  });

  it('refuses such a group title and signup display name too', async () => {
    const title = await running.app.inject({
      method: 'POST',
      url: '/api/v1/conversations',
      headers: ada.auth,
      payload: { type: 'group', title: '\u2066\u2069', memberIds: [] },
    });
    expect(title.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'title' }] });
    const username = `u_${randomUUID().slice(0, 8)}`;
    const signup = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: `${username}@example.test`, username, password: 'long enough password', displayName: 'Ada\u202E' },
    });
    expect(signup.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'displayName' }] });
  });

  it('accepts names in any script, with emoji and the joiners they need', async () => {
    for (const displayName of ['Zoë 北京 مرحبا', 'می‌خواهم', '👨‍👩‍👧‍👦 family', '🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scot']) {
      const response = await patchMe({ displayName });
      expect(response.statusCode).toBe(200);
      expect(response.json().displayName).toBe(displayName);
    }
  });

  it('refuses to list every user: GET /users needs a search term', async () => {
    const response = await running.app.inject({ method: 'GET', url: '/api/v1/users', headers: ada.auth });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.json().details.every((detail: { field: string }) => detail.field === 'search')).toBe(true);
  });
});

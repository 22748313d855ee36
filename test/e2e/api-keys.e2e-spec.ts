import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ROUTE_SCOPES, SESSION_ONLY } from '../../src/common/auth/scopes.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser, uniqueName } from '../support/given.js';
import { AsyncApiChecker, clientSocket, refusal, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Bots, API keys and scopes over HTTP and Socket.IO: the key-authenticated rows the authorization matrix (users only) lacks. */
describe('bots and API keys', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let sockets: ReturnType<typeof socketFactory>;
  let admin: GivenUser;

  beforeAll(async () => {
    running = await startTestApp({ API_KEYS_PER_USER: '4' }, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    const checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
    admin = await given.admin();
  });

  afterAll(async () => {
    sockets.closeAll();
    await running.close();
  });

  const call = (method: Method, url: string, headers: Record<string, string> = {}, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const asMember = (user: { id: string }) => user as unknown as GivenUser;

  describe('bots', () => {
    it('lets an admin create a bot, marked isBot, and audits it', async () => {
      const username = uniqueName('bot');
      const response = await call('POST', '/admin/bots', admin.auth, { username, displayName: 'Deploy bot' });
      expect(response.statusCode).toBe(201);
      const { user } = response.json();
      expect(user).toMatchObject({ id: expect.any(String), username, displayName: 'Deploy bot', isBot: true, presence: { online: false } });
      expect(user.email).toBeUndefined();
      const audit = await call('GET', `/admin/audit?targetId=${user.id}`, admin.auth);
      expect(audit.json().items).toEqual([expect.objectContaining({ type: 'bot.created', actorId: admin.id, targetType: 'user', targetId: user.id })]);
      const profile = await call('GET', `/users/${user.id}`, (await given.user()).auth);
      expect(profile.json()).toMatchObject({ isBot: true });
    });

    it('refuses non-admins, taken usernames and bad input', async () => {
      const ada = await given.user();
      expect((await call('POST', '/admin/bots', ada.auth, { username: uniqueName('bot'), displayName: 'x' })).statusCode).toBe(403);
      expect((await call('POST', '/admin/bots', admin.auth, { username: ada.username, displayName: 'x' })).statusCode).toBe(409);
      const bad = await call('POST', '/admin/bots', admin.auth, { username: 'No Spaces!', displayName: 'x', isBot: false });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe('VALIDATION_FAILED');
    });

    it('never signs a bot in with a password', async () => {
      const bot = await given.bot(admin);
      const login = await running.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: `${bot.username}@bots.invalid`, password: 'anything-at-all' },
      });
      expect(login.statusCode).toBe(401);
      expect(login.json().code).toBe('INVALID_CREDENTIALS');
    });

    it('acts through a key an admin minted for it: a member like any other, marked as a bot', async () => {
      const bot = await given.bot(admin);
      const ada = await given.user();
      const group = await chat.group(ada, [asMember(bot)]);
      const key = await given.apiKey(admin, { botId: bot.id, scopes: ['messages:write', 'messages:read'] });
      const sent = await call('POST', `/conversations/${group.id}/messages`, key.auth, { clientMessageId: randomUUID(), content: 'deployed v2' });
      expect(sent.statusCode).toBe(201);
      expect(sent.json().sender).toMatchObject({ id: bot.id, isBot: true });
      const history = await call('GET', `/conversations/${group.id}/messages`, ada.auth);
      expect(history.json().items.at(-1)).toMatchObject({ content: 'deployed v2', sender: { id: bot.id, isBot: true } });
      const audit = await call('GET', `/admin/audit?targetId=${key.id}`, admin.auth);
      expect(audit.json().items).toEqual([expect.objectContaining({ type: 'api_key.created', targetType: 'api_key' })]);
      // The admin sees it in their list, as the bot's.
      const listed = (await call('GET', '/api-keys', admin.auth)).json();
      expect(listed).toContainEqual(expect.objectContaining({ id: key.id, userId: bot.id, botId: bot.id }));
    });

    it('refuses botId from a non-admin, and a botId that is not a bot', async () => {
      const bot = await given.bot(admin);
      const ada = await given.user();
      const refused = await call('POST', '/api-keys', ada.auth, { name: 'x', scopes: ['messages:write'], botId: bot.id });
      expect(refused.statusCode).toBe(403);
      expect((await call('POST', '/api-keys', admin.auth, { name: 'x', scopes: ['messages:write'], botId: ada.id })).statusCode).toBe(404);
      expect((await call('POST', '/api-keys', admin.auth, { name: 'x', scopes: ['messages:write'], botId: randomUUID() })).statusCode).toBe(404);
    });
  });

  describe('minting, listing and revoking', () => {
    it('shows the secret once, lists keys without it, and records when a key was last used', async () => {
      const ada = await given.user();
      const created = await call('POST', '/api-keys', ada.auth, { name: 'CI', scopes: ['users:read'] });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toEqual({
        id: expect.any(String),
        key: expect.stringMatching(/^ck_[A-Za-z0-9_-]{43}$/),
        name: 'CI',
        scopes: ['users:read'],
        prefix: body.key.slice(0, 11),
        userId: ada.id,
        botId: null,
        expiresAt: null,
        lastUsedAt: null,
        createdAt: expect.any(String),
      });
      const stored = await running.app.get(DataSource).query(`SELECT secret_hash FROM api_key WHERE id = $1`, [body.id]);
      expect(stored[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0].secret_hash).not.toContain(body.key.slice(3));

      const before = (await call('GET', '/api-keys', ada.auth)).json();
      expect(before).toEqual([expect.objectContaining({ id: body.id, lastUsedAt: null })]);
      expect(JSON.stringify(before)).not.toContain(body.key);

      expect((await call('GET', '/users/me', { authorization: `Bearer ${body.key}` })).json()).toMatchObject({ id: ada.id });
      const after = (await call('GET', '/api-keys', ada.auth)).json();
      expect(after[0].lastUsedAt).toEqual(expect.any(String));
      // Others never see it.
      expect((await call('GET', '/api-keys', (await given.user()).auth)).json()).toEqual([]);
    });

    it.each([
      ['an unknown scope', { name: 'x', scopes: ['messages:everything'] }],
      ['no scopes', { name: 'x', scopes: [] }],
      ['a repeated scope', { name: 'x', scopes: ['users:read', 'users:read'] }],
      ['scopes that are not a list', { name: 'x', scopes: 'users:read' }],
      ['no name', { scopes: ['users:read'] }],
      ['an expiry in the past', { name: 'x', scopes: ['users:read'], expiresAt: '2020-01-01T00:00:00Z' }],
      ['an expiry that is not a time', { name: 'x', scopes: ['users:read'], expiresAt: 'tomorrow' }],
      ['admin for a non-admin', { name: 'x', scopes: ['admin'] }],
      ['an unknown field', { name: 'x', scopes: ['users:read'], userId: randomUUID() }],
    ])('refuses %s with 400', async (_case, payload) => {
      const ada = await given.user();
      const response = await call('POST', '/api-keys', ada.auth, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });

    it('caps the keys of one account (API_KEYS_PER_USER, 4 here); a revoked key frees its place', async () => {
      const ada = await given.user();
      const mint = () => call('POST', '/api-keys', ada.auth, { name: 'k', scopes: ['users:read'] });
      const minted = [await mint(), await mint(), await mint(), await mint()];
      expect(minted.map((response) => response.statusCode)).toEqual([201, 201, 201, 201]);
      const over = await mint();
      expect([over.statusCode, over.json().code]).toEqual([409, 'CONFLICT']);
      expect((await call('DELETE', `/api-keys/${minted[1].json().id}`, ada.auth)).statusCode).toBe(204);
      expect((await mint()).statusCode).toBe(201);
    });

    it('revokes at once; a stranger cannot, and a second revoke is 404', async () => {
      const ada = await given.user();
      const key = await given.apiKey(ada, { scopes: ['users:read'] });
      expect((await call('GET', '/users/me', key.auth)).statusCode).toBe(200);
      const eve = await given.user();
      expect((await call('DELETE', `/api-keys/${key.id}`, eve.auth)).statusCode).toBe(404);
      expect((await call('DELETE', `/api-keys/${key.id}`, admin.auth)).statusCode).toBe(404);
      expect((await call('GET', '/users/me', key.auth)).statusCode).toBe(200);
      expect((await call('DELETE', `/api-keys/${key.id}`, ada.auth)).statusCode).toBe(204);
      const after = await call('GET', '/users/me', key.auth);
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('UNAUTHORIZED');
      expect((await call('DELETE', `/api-keys/${key.id}`, ada.auth)).statusCode).toBe(404);
      expect((await call('GET', '/api-keys', ada.auth)).json()).toEqual([]);
    });

    it("lets any admin revoke a bot's key, audited", async () => {
      const bot = await given.bot(admin);
      const key = await given.apiKey(admin, { botId: bot.id, scopes: ['messages:read'] });
      const other = await given.admin();
      expect((await call('DELETE', `/api-keys/${key.id}`, other.auth)).statusCode).toBe(204);
      expect((await call('GET', '/conversations', key.auth)).statusCode).toBe(401);
      const audit = await call('GET', `/admin/audit?targetId=${key.id}&type=api_key.revoked`, admin.auth);
      expect(audit.json().items).toEqual([expect.objectContaining({ actorId: other.id })]);
    });

    it('refuses an expired key, a malformed one, a made-up one, and the key of a banned user', async () => {
      const ada = await given.user();
      const expiring = await given.apiKey(ada, { scopes: ['users:read'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await call('GET', '/users/me', expiring.auth)).statusCode).toBe(200);
      await running.app.get(DataSource).query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
      expect((await call('GET', '/users/me', expiring.auth)).statusCode).toBe(401);

      expect((await call('GET', '/users/me', { authorization: 'Bearer ck_short' })).statusCode).toBe(401);
      expect((await call('GET', '/users/me', { authorization: `Bearer ck_${'A'.repeat(43)}` })).statusCode).toBe(401);

      const bob = await given.user();
      const bobs = await given.apiKey(bob, { scopes: ['users:read'] });
      expect((await call('PATCH', `/admin/users/${bob.id}`, admin.auth, { banned: true })).statusCode).toBe(200);
      expect((await call('GET', '/users/me', bobs.auth)).statusCode).toBe(401);
    });
  });

  describe('scopes', () => {
    it('answers 403 INSUFFICIENT_SCOPE outside the key’s scopes, naming the scope', async () => {
      const ada = await given.user();
      const key = await given.apiKey(ada, { scopes: ['users:read'] });
      expect((await call('GET', '/users/me', key.auth)).statusCode).toBe(200);
      const refused = await call('GET', '/conversations', key.auth);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: expect.stringContaining('conversations:read') });
      expect((await call('PATCH', '/users/me', key.auth, { displayName: 'x' })).json().code).toBe('INSUFFICIENT_SCOPE');
    });

    it('keeps key management, sessions and sign-out to signed-in sessions', async () => {
      const ada = await given.user();
      const key = await given.apiKey(ada, { scopes: ['users:read', 'users:write', 'messages:read', 'messages:write'] });
      for (const [method, url, payload] of [
        ['POST', '/api-keys', { name: 'more', scopes: ['users:read'] }],
        ['GET', '/api-keys', undefined],
        ['DELETE', `/api-keys/${key.id}`, undefined],
        ['GET', '/auth/sessions', undefined],
        ['POST', '/auth/logout', undefined],
        ['POST', '/auth/password', { currentPassword: ada.password, newPassword: 'another-password-123' }],
      ] as Array<[Method, string, object | undefined]>) {
        const response = await call(method, url, key.auth, payload);
        expect([url, response.statusCode, response.json().code]).toEqual([url, 403, 'INSUFFICIENT_SCOPE']);
      }
      expect((await call('GET', '/users/me', key.auth)).statusCode).toBe(200);
    });

    it("a key's admin scope still needs an admin, and an admin's key still needs the admin scope", async () => {
      const adminKey = await given.apiKey(admin, { scopes: ['admin'] });
      expect((await call('GET', '/admin/stats', adminKey.auth)).statusCode).toBe(200);
      const narrow = await given.apiKey(admin, { scopes: ['users:read'] });
      expect((await call('GET', '/admin/stats', narrow.auth)).json().code).toBe('INSUFFICIENT_SCOPE');
      const demoted = await given.admin();
      const demotedKey = await given.apiKey(demoted, { scopes: ['admin'] });
      expect((await call('PATCH', `/admin/users/${demoted.id}`, admin.auth, { role: 'user' })).statusCode).toBe(200);
      const after = await call('GET', '/admin/stats', demotedKey.auth);
      expect([after.statusCode, after.json().code]).toEqual([403, 'FORBIDDEN']);
    });

    it('a key acts as its owner: a stranger’s conversation is 404, as for the owner', async () => {
      const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
      const group = await chat.group(bob, [eve]);
      const key = await given.apiKey(ada, { scopes: ['conversations:read', 'messages:read', 'messages:write'] });
      expect((await call('GET', `/conversations/${group.id}`, key.auth)).statusCode).toBe(404);
      expect((await call('POST', `/conversations/${group.id}/messages`, key.auth, { clientMessageId: randomUUID(), content: 'hi' })).statusCode).toBe(404);
    });

    it('a retried send with a key answers the first message', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const key = await given.apiKey(ada, { scopes: ['messages:write'] });
      const body = { clientMessageId: randomUUID(), content: 'once' };
      const first = await call('POST', `/conversations/${group.id}/messages`, key.auth, body);
      const again = await call('POST', `/conversations/${group.id}/messages`, key.auth, body);
      expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
      expect(again.json().id).toBe(first.json().id);
    });

    it('gives each key its own request budget, apart from its owner’s', async () => {
      const ada = await given.user();
      const key = await given.apiKey(ada, { scopes: ['users:read'] });
      const remaining = async (headers: Record<string, string>) => Number((await call('GET', '/users/me', headers)).headers['x-ratelimit-remaining']);
      const k1 = await remaining(key.auth);
      const k2 = await remaining(key.auth);
      const k3 = await remaining(key.auth);
      expect([k2, k3]).toEqual([k1 - 1, k1 - 2]);
      const u1 = await remaining(ada.auth);
      // Ada's own budget is untouched by the key's three requests (she made two: sign-up, minting).
      expect(u1).toBeGreaterThan(k3);
      expect(await remaining(key.auth)).toBe(k3 - 1);
    });

    it('refuses a key without the scope on every protected route of the document, before looking at anything else', async () => {
      const document = (await running.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json() as {
        paths: Record<string, Record<string, { operationId: string; security: unknown[] }>>;
      };
      const ada = await given.user();
      // Two keys, each without the other's scope, so every route meets one that lacks its scope.
      const reporter = await given.apiKey(ada, { scopes: ['reports:write'] });
      const reader = await given.apiKey(ada, { scopes: ['users:read'] });
      const wrong: string[] = [];
      let checked = 0;
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (!operation.security?.length) continue;
          const key = ROUTE_SCOPES[operation.operationId] === 'reports:write' ? reader : reporter;
          const url = path.replace(/\{[^}]+\}/g, randomUUID());
          const response = await running.app.inject({
            method: method.toUpperCase() as Method,
            url,
            headers: key.auth,
            payload: ['get', 'delete'].includes(method) ? undefined : {},
          });
          checked += 1;
          if (response.statusCode !== 403 || response.json().code !== 'INSUFFICIENT_SCOPE') wrong.push(`${method} ${path}: ${response.statusCode}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(60);
    });

    it('refuses every socket event outside the key’s scopes', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const reader = await given.apiKey(ada, { scopes: ['messages:read'] });
      const socket = await sockets.connect(running.url, reader.key);
      const payloads: Record<string, object> = {
        'message.send': { conversationId: group.id, clientMessageId: randomUUID(), content: 'x' },
        'typing.start': { conversationId: group.id },
        'typing.stop': { conversationId: group.id },
        'message.delivered': { conversationId: group.id, seq: 1 },
        'conversation.read': { conversationId: group.id, seq: 1 },
        'auth.renew': { token: ada.accessToken },
      };
      for (const [event, payload] of Object.entries(payloads)) {
        expect([event, await socket.request(event, payload)]).toEqual([
          event,
          expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'INSUFFICIENT_SCOPE' }) }),
        ]);
      }
      expect(await socket.request('conversation.join', { conversationId: group.id })).toMatchObject({ ok: true });
    });

    it('documents every route’s scope: no route without one, no scope for a route that does not exist', async () => {
      const document = (await running.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json() as {
        paths: Record<
          string,
          Record<
            string,
            { operationId: string; security: Array<Record<string, string[]>>; 'x-required-scope'?: string | null; responses: Record<string, unknown> }
          >
        >;
      };
      const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
      const protectedIds = operations.filter((operation) => operation.security.length > 0).map((operation) => operation.operationId);
      expect(protectedIds.filter((id) => !(id in ROUTE_SCOPES))).toEqual([]);
      const allIds = new Set(operations.map((operation) => operation.operationId));
      expect(Object.keys(ROUTE_SCOPES).filter((id) => !allIds.has(id))).toEqual([]);
      const byId = new Map(operations.map((operation) => [operation.operationId, operation]));
      expect(byId.get('sendMessage')).toMatchObject({ security: [{ bearer: [] }, { apiKey: ['messages:write'] }], 'x-required-scope': 'messages:write' });
      expect(byId.get('sendMessage')!.responses['403']).toBeDefined();
      expect(byId.get('createApiKey')).toMatchObject({ security: [{ bearer: [] }], 'x-required-scope': null });
      expect(ROUTE_SCOPES.createApiKey).toBe(SESSION_ONLY);
    });
  });

  describe('on a socket', () => {
    it('connects with a key, sends with messages:write, and is refused events outside its scopes', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const group = await chat.group(ada, [bob]);
      const writer = await given.apiKey(ada, { scopes: ['messages:read', 'messages:write'] });
      const socket = await sockets.connect(running.url, writer.key);
      const sent = await socket.request<{ id: string; sender: { id: string } }>('message.send', {
        conversationId: group.id,
        clientMessageId: randomUUID(),
        content: 'from a key',
      });
      expect(sent).toMatchObject({ ok: true, data: { sender: { id: ada.id } } });
      expect(await socket.request('conversation.read', { conversationId: group.id, seq: 1 })).toMatchObject({
        ok: false,
        error: { code: 'INSUFFICIENT_SCOPE' },
      });
      expect(await socket.request('auth.renew', { token: ada.accessToken })).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_SCOPE' } });
      // It receives its conversations' events like a session's socket.
      await chat.message(bob, group, 'to the key');
      // A generous wait: on a loaded machine (suites run two at a time) delivery can take seconds.
      await socket.next<{ content: string }>('message.created', (message) => message.content === 'to the key', 20_000);

      const reader = await given.apiKey(ada, { scopes: ['messages:read'] });
      const readOnly = await sockets.connect(running.url, reader.key);
      expect(await readOnly.request('message.send', { conversationId: group.id, clientMessageId: randomUUID(), content: 'no' })).toMatchObject({
        ok: false,
        error: { code: 'INSUFFICIENT_SCOPE' },
      });
    });

    it('refuses the handshake of a key without messages:read, and of a revoked or unknown key', async () => {
      const ada = await given.user();
      const writeOnly = await given.apiKey(ada, { scopes: ['messages:write'] });
      expect((await refusal(clientSocket(running.url, writeOnly.key))).message).toBe('INSUFFICIENT_SCOPE');
      const revoked = await given.apiKey(ada, { scopes: ['messages:read'] });
      await call('DELETE', `/api-keys/${revoked.id}`, ada.auth);
      expect((await refusal(clientSocket(running.url, revoked.key))).message).toBe('UNAUTHORIZED');
      expect((await refusal(clientSocket(running.url, `ck_${'B'.repeat(43)}`))).message).toBe('UNAUTHORIZED');
    });

    it('disconnects the key sockets of a user (or bot) who is banned', async () => {
      const bot = await given.bot(admin);
      const key = await given.apiKey(admin, { botId: bot.id, scopes: ['messages:read'] });
      const socket = await sockets.connect(running.url, key.key);
      expect((await call('PATCH', `/admin/users/${bot.id}`, admin.auth, { banned: true })).statusCode).toBe(200);
      expect((await socket.next<{ reason: string }>('session.revoked', () => true, 20_000)).payload).toEqual({ reason: 'banned' });
      await socket.disconnected();
      expect((await refusal(clientSocket(running.url, key.key))).message).toBe('UNAUTHORIZED');
    });

    it("disconnects a key's live sockets when it is revoked, and only those", async () => {
      const ada = await given.user();
      const key = await given.apiKey(ada, { scopes: ['messages:read'] });
      const byKey = await sockets.connect(running.url, key.key);
      const bySession = await sockets.connect(running.url, ada.accessToken);
      expect((await call('DELETE', `/api-keys/${key.id}`, ada.auth)).statusCode).toBe(204);
      expect((await byKey.next<{ reason: string }>('session.revoked', () => true, 20_000)).payload).toEqual({ reason: 'revoked' });
      await byKey.disconnected();
      expect(bySession.socket.connected).toBe(true);
      expect(await bySession.request('conversation.join', { conversationId: (await chat.group(ada)).id })).toMatchObject({ ok: true });
    });
  });
});

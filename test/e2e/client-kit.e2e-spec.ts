import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChatClient,
  ChatError,
  InProcessLock,
  isChatError,
  MemoryStorage,
  ok,
  API_VERSION,
  DURABLE_EVENTS,
  LIVE_EVENTS,
  type Message,
} from '@chat-backend/client';
import { SERVER_EVENTS } from '../../src/realtime/events.map.js';
import { generatedDir, renderTypes } from '../../packages/client/scripts/types.mjs';
import { useTestApp } from '../support/use-test-app.js';
import { until } from '../support/until.js';

/*
 * The client kit (packages/client) against the real server, in Node: its generated types are what the
 * served documents give, and its hard parts hold — the reconnect-and-sync loop delivers every message
 * once whether it came live or from /sync, the outbox resends with one clientMessageId until the server
 * has it (once), a 401 is refreshed and retried once, tabs sharing tokens refresh once between them
 * (no TOKEN_REUSED), a too-old cursor asks for a resync, and errors come typed by code.
 * Access tokens live 6 s here, so refreshes and `auth.renew` happen during the suite.
 */

const clients: ChatClient[] = [];
// Registered before the app's own afterAll, so the clients are closed before the app is.
afterAll(() => {
  for (const client of clients) client.close();
});
const app = useTestApp({ listen: true, env: { JWT_ACCESS_TTL: '10s' } });

function client(options: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient {
  const made = new ChatClient({ baseUrl: app.running.url, backoff: { min: 50, max: 500 }, ...options });
  clients.push(made);
  return made;
}

async function signedUp(name: string, options: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}) {
  const chat = client(options);
  const tag = randomUUID().slice(0, 8);
  const result = await chat.signUp({ email: `${name}.${tag}@example.test`, username: `${name}_${tag}`, password: 'correct horse battery', displayName: name });
  return { chat, user: result.user };
}

/** Collects the `message.created` a client is given, with where each came from. */
function inbox(chat: ChatClient) {
  const seen: Array<{ content: string | null; source: string; seq: number }> = [];
  chat.on('message.created', (message, meta) => seen.push({ content: message.content, source: meta.source, seq: message.seq }));
  return seen;
}

async function group(owner: ChatClient, memberIds: string[]) {
  return ok(owner.api.POST('/api/v1/conversations', { body: { type: 'group', title: `Kit ${randomUUID().slice(0, 6)}`, memberIds } }));
}

async function history(chat: ChatClient, id: string): Promise<Message[]> {
  return (await ok(chat.api.GET('/api/v1/conversations/{id}/messages', { params: { path: { id }, query: { limit: 100 } } }))).items;
}

describe('generated types', () => {
  it('are exactly what the served documents give (regenerate with npm run build)', async () => {
    const served = async (path: string) => (await fetch(`${app.running.url}${path}`)).json();
    const rendered = renderTypes({ openapi: await served('/docs/openapi.json'), asyncapi: await served('/docs/asyncapi.json') });
    for (const [file, content] of Object.entries(rendered)) {
      const path = join(generatedDir, file);
      expect([file, existsSync(path)]).toEqual([file, true]);
      expect([file, readFileSync(path, 'utf8') === content]).toEqual([file, true]);
    }
  });

  it("name the server's own event map: the same events, the same durable ones", () => {
    const names = (durable: boolean) => Object.entries(SERVER_EVENTS).flatMap(([name, spec]) => (spec.durable === durable ? [name] : []));
    expect([...DURABLE_EVENTS]).toEqual(names(true));
    expect([...LIVE_EVENTS]).toEqual(names(false));
  });

  it("version the kit with the server's API", async () => {
    const openapi = (await (await fetch(`${app.running.url}/docs/openapi.json`)).json()) as { info: { version: string } };
    const kit = JSON.parse(readFileSync(new URL('../../packages/client/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(API_VERSION).toBe(openapi.info.version);
    expect(kit.version).toBe(openapi.info.version);
  });
});

describe('the kit against the server', () => {
  it('delivers live and missed messages once each, in order, across a reconnect', async () => {
    const ada = await signedUp('ada');
    const bob = await signedUp('bob');
    const conversation = await group(ada.chat, [bob.user.id]);
    const bobSees = inbox(bob.chat);
    await Promise.all([ada.chat.connect(), bob.chat.connect()]);

    await ada.chat.send(conversation.id, { content: 'live' });
    await until(() => bobSees.length === 1);
    expect(bobSees[0]).toMatchObject({ content: 'live', source: 'socket' });

    bob.chat.disconnect();
    for (const content of ['missed 1', 'missed 2', 'missed 3']) await ada.chat.send(conversation.id, { content });
    await bob.chat.connect();
    await ada.chat.send(conversation.id, { content: 'after' });
    await until(() => bobSees.length === 5);
    expect(bobSees.map((entry) => [entry.content, entry.source])).toEqual([
      ['live', 'socket'],
      ['missed 1', 'sync'],
      ['missed 2', 'sync'],
      ['missed 3', 'sync'],
      ['after', 'socket'],
    ]);
    expect(bobSees.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await history(bob.chat, conversation.id)).map((message) => message.content)).toEqual(['live', 'missed 1', 'missed 2', 'missed 3', 'after']);
  });

  it('resends with the same clientMessageId when an answer is lost: the server stores the message once', async () => {
    let loseNext = true;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const request = input as Request;
      if (loseNext && request.method === 'POST' && /\/messages$/.test(new URL(request.url).pathname)) {
        loseNext = false;
        throw new TypeError('the answer was lost');
      }
      return response;
    };
    const ada = await signedUp('ada', { fetch: lossy });
    const bob = await signedUp('bob');
    const conversation = await group(ada.chat, [bob.user.id]);
    // Not connected: the outbox sends over REST, the first answer never arrives, the retry gets the stored message.
    const sent = ada.chat.send(conversation.id, { content: 'exactly once' });
    const message = await sent;
    expect(message.clientMessageId).toBe(sent.clientMessageId);
    expect(loseNext).toBe(false);
    expect((await history(bob.chat, conversation.id)).map((entry) => entry.content)).toEqual(['exactly once']);
    expect(ada.chat.outbox.pending).toEqual([]);
  });

  it('keeps a refused send in the outbox as failed, with the typed error', async () => {
    const ada = await signedUp('ada');
    const stranger = await signedUp('eve');
    const conversation = await group(ada.chat, []);
    const refused = await stranger.chat.send(conversation.id, { content: 'let me in' }).catch((error: unknown) => error);
    expect(isChatError(refused, 'NOT_FOUND')).toBe(true);
    expect(stranger.chat.outbox.pending).toEqual([expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
  });

  it('survives a reload: a stored outbox is sent by the next client on the same storage', async () => {
    const storage = new MemoryStorage();
    const bob = await signedUp('bob');
    const ada = await signedUp('ada', { storage });
    const conversation = await group(ada.chat, [bob.user.id]);
    // Offline: the first attempt fails on the network and the item stays queued in storage.
    const offline = client({ storage, fetch: async () => Promise.reject(new TypeError('offline')) });
    const queued = offline.send(conversation.id, { content: 'written offline' });
    await until(() => (storage.getItem('chat.outbox') ?? '').includes(queued.clientMessageId));
    offline.close();
    const reloaded = client({ storage });
    await reloaded.outbox.flush();
    const stored = await history(bob.chat, conversation.id);
    expect(stored.map((message) => [message.content, message.clientMessageId])).toEqual([['written offline', queued.clientMessageId]]);
  });

  it('refreshes on a 401 and retries once', async () => {
    const ada = await signedUp('ada');
    const tokens = ada.chat.tokens.current();
    if (!tokens) throw new Error('no tokens');
    // An access token the server no longer takes (as after its expiry): the call refreshes and succeeds.
    ada.chat.tokens.set({ ...tokens, accessToken: `${tokens.accessToken}x` });
    const me = await ok(ada.chat.api.GET('/api/v1/users/me'));
    expect(me.id).toBe(ada.user.id);
    expect(ada.chat.tokens.current()?.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('refreshes once for tabs that share tokens and a lock: nobody is signed out by reuse detection', async () => {
    const storage = new MemoryStorage();
    const lock = new InProcessLock();
    const refreshes: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      if (new URL((input as Request).url).pathname.endsWith('/auth/refresh')) refreshes.push('refresh');
      return fetch(input, init);
    };
    const first = await signedUp('ada', { storage, lock, fetch: counting });
    const second = client({ storage, lock, fetch: counting });
    const stale = first.chat.tokens.current()?.refreshToken;
    const [a, b] = await Promise.all([first.chat.tokens.refresh(stale), second.tokens.refresh(stale)]);
    expect(refreshes).toHaveLength(1);
    expect(a.accessToken).toBe(b.accessToken);
    // The session is alive for both, and a send from the other tab goes through.
    const conversation = await group(second, []);
    await expect(second.send(conversation.id, { content: 'from the other tab' })).resolves.toMatchObject({ content: 'from the other tab' });
    await expect(ok(first.chat.api.GET('/api/v1/users/me'))).resolves.toMatchObject({ id: first.user.id });
  });

  it('stays connected past the access token expiry (auth.renew) and keeps receiving', async () => {
    const ada = await signedUp('ada');
    const bob = await signedUp('bob');
    const conversation = await group(ada.chat, [bob.user.id]);
    const bobSees = inbox(bob.chat);
    const expired: unknown[] = [];
    bob.chat.on('token.expired', (event) => expired.push(event));
    await Promise.all([ada.chat.connect(), bob.chat.connect()]);
    const statuses: string[] = [];
    bob.chat.on('status', (status) => statuses.push(status));
    const first = bob.chat.tokens.current();
    if (!first) throw new Error('no tokens');
    // Until the first token has expired: the socket is handed the next one before that, and never drops.
    await until(() => Date.now() > first.expiresAt + 1_000);
    expect(bob.chat.tokens.current()?.accessToken).not.toBe(first.accessToken);
    expect(statuses).toEqual([]);
    await ada.chat.send(conversation.id, { content: 'still here?' });
    await until(() => bobSees.length === 1);
    expect(bobSees).toEqual([expect.objectContaining({ content: 'still here?' })]);
    expect(expired).toEqual([]);
  });

  it('asks for a resync when the stored cursor is unusable', async () => {
    const storage = new MemoryStorage();
    const ada = await signedUp('ada', { storage });
    storage.setItem('chat.cursor', 'not-a-cursor');
    let resyncs = 0;
    ada.chat.on('resync', () => resyncs++);
    await ada.chat.connect();
    expect(resyncs).toBe(1);
    expect(storage.getItem('chat.cursor')).not.toBe('not-a-cursor');
  });

  it('throws typed errors by code', async () => {
    const ada = await signedUp('ada');
    const email = `taken.${randomUUID().slice(0, 8)}@example.test`;
    await ada.chat.signUp({ email, username: `taken_${randomUUID().slice(0, 8)}`, password: 'correct horse battery' });
    const taken = await client()
      .signUp({ email, username: `other_${randomUUID().slice(0, 8)}`, password: 'correct horse battery' })
      .catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(ChatError);
    expect(taken).toMatchObject({ code: 'CONFLICT', status: 409 });
    const wrong = await client()
      .signIn({ email, password: 'not the password' })
      .catch((error: unknown) => error);
    expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
  });
});

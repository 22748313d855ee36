import { createHmac, randomUUID } from 'node:crypto';
import { AccessService } from '../../src/access/access.service.js';
import { EventLog } from '../../src/events/event-log.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, clientSocket, refusal, sleep, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const ALLOWED_ORIGIN = 'https://app.example';

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
function sign(payload: object, secret = SECRET): string {
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

interface MessageEvent {
  id: string;
  conversationId: string;
  seq: number;
  content: string | null;
  clientMessageId: string;
  reactions: Array<{ emoji: string; count: number; me: boolean }>;
}

describe('realtime gateway (Socket.IO)', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    running = await startTestApp({ CORS_ORIGINS: ALLOWED_ORIGIN }, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
  });

  afterAll(async () => {
    sockets.closeAll();
    await running.close();
  });

  const connect = (user: GivenUser, options = {}) => sockets.connect(running.url, user.accessToken, options);
  const rest = (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, user: GivenUser, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, payload });

  describe('handshake', () => {
    let ada: GivenUser;

    beforeAll(async () => {
      ada = await given.user();
    });

    it('accepts the access token in auth.token', async () => {
      const socket = await connect(ada);
      expect(socket.socket.connected).toBe(true);
    });

    it.each([
      ['no token', () => undefined],
      ['a token that is not a JWT', () => 'garbage'],
      ['an expired token', () => sign({ ...claimsOf(ada.accessToken), iat: now() - 120, exp: now() - 60 })],
      ['a token signed with another secret', () => sign(claimsOf(ada.accessToken), 'another-secret-that-is-long-enough-0123456789')],
    ])('refuses %s with connect_error UNAUTHORIZED', async (_case, token) => {
      const error = await refusal(clientSocket(running.url, token()));
      expect(error.message).toBe('UNAUTHORIZED');
    });

    it("refuses a revoked session's token with connect_error UNAUTHORIZED", async () => {
      const session = await given.anotherSession(ada);
      expect((await rest('POST', '/auth/logout', session)).statusCode).toBe(204);
      const error = await refusal(clientSocket(running.url, session.accessToken));
      expect(error.message).toBe('UNAUTHORIZED');
    });

    it('refuses a browser page from an origin outside CORS_ORIGINS, and lets in an allowed origin, the same origin, or no Origin at all', async () => {
      const withOrigin = (origin: string) => clientSocket(running.url, ada.accessToken, { extraHeaders: { origin }, transports: ['polling'] });
      const refused = await refusal(withOrigin('https://evil.example'));
      expect(refused.message).not.toBe('UNAUTHORIZED');
      for (const origin of [ALLOWED_ORIGIN, running.url]) {
        const socket = await sockets.connect(running.url, ada.accessToken, { extraHeaders: { origin }, transports: ['polling'] });
        expect(socket.socket.connected).toBe(true);
        socket.close();
      }
    });
  });

  describe('messages', () => {
    let ada: GivenUser;
    let bob: GivenUser;
    let conversationId: string;

    beforeAll(async () => {
      [ada, bob] = await Promise.all([given.user(), given.user()]);
      conversationId = (await chat.direct(ada, bob)).id;
    });

    it('acks a socket send with the Message and delivers message.created with a cursor to both sides', async () => {
      const [adaSocket, bobSocket] = await Promise.all([connect(ada), connect(bob)]);
      const clientMessageId = randomUUID();

      const ack = await adaSocket.request<MessageEvent>('message.send', { conversationId, clientMessageId, content: 'hi Bob' });

      expect(ack).toMatchObject({ ok: true, data: { conversationId, clientMessageId, content: 'hi Bob', sender: { id: ada.id } } });
      const atBob = await bobSocket.next<MessageEvent>('message.created', (message) => message.clientMessageId === clientMessageId);
      const atAda = await adaSocket.next<MessageEvent>('message.created', (message) => message.clientMessageId === clientMessageId);
      expect(atBob.payload).toMatchObject({ content: 'hi Bob', seq: (ack as { data: MessageEvent }).data.seq });
      expect(atBob.meta.cursor).toEqual(expect.any(String));
      expect(atAda.meta.cursor).toBe(atBob.meta.cursor);

      const reply = await bobSocket.request<MessageEvent>('message.send', { conversationId, clientMessageId: randomUUID(), content: 'hi Ada' });
      expect(reply.ok).toBe(true);
      const back = await adaSocket.next<MessageEvent>('message.created', (message) => message.content === 'hi Ada');
      expect(back.payload.seq).toBe(atBob.payload.seq + 1);
    });

    it('answers a repeated clientMessageId with the first message and emits nothing new', async () => {
      const [adaSocket, bobSocket] = await Promise.all([connect(ada), connect(bob)]);
      const payload = { conversationId, clientMessageId: randomUUID(), content: 'once' };
      const first = await adaSocket.request<MessageEvent>('message.send', payload);
      const second = await adaSocket.request<MessageEvent>('message.send', payload);
      expect(second).toEqual(first);
      await bobSocket.next('message.created', (message: MessageEvent) => message.clientMessageId === payload.clientMessageId);
      await sleep(300);
      expect(bobSocket.all('message.created', (message: MessageEvent) => message.clientMessageId === payload.clientMessageId)).toHaveLength(1);
    });

    it('delivers messages sent, edited and deleted over REST to the sockets', async () => {
      const bobSocket = await connect(bob);
      const sent = await chat.message(ada, { id: conversationId }, 'over REST');
      await bobSocket.next<MessageEvent>('message.created', (message) => message.id === sent.id);

      expect((await rest('PATCH', `/conversations/${conversationId}/messages/${sent.id}`, ada, { content: 'edited' })).statusCode).toBe(200);
      await expect(bobSocket.next<MessageEvent>('message.updated', (message) => message.id === sent.id && message.content === 'edited')).resolves.toBeDefined();

      expect((await rest('DELETE', `/conversations/${conversationId}/messages/${sent.id}`, ada)).statusCode).toBe(204);
      const deleted = await bobSocket.next<MessageEvent & { deletedAt: string | null }>('message.deleted', (message) => message.id === sent.id);
      expect(deleted.payload).toMatchObject({ content: null, deletedAt: expect.any(String) });
    });

    it('shows each recipient its own `me` in reactions, and never who reacted', async () => {
      const [adaSocket, bobSocket] = await Promise.all([connect(ada), connect(bob)]);
      const sent = await chat.message(ada, { id: conversationId }, 'react to me');
      expect((await rest('PUT', `/conversations/${conversationId}/messages/${sent.id}/reactions/${encodeURIComponent('👍')}`, bob)).statusCode).toBe(200);

      type ReactionEvent = { messageId: string; reactions: MessageEvent['reactions'] };
      const atBob = await bobSocket.next<ReactionEvent>('reaction.updated', (event) => event.messageId === sent.id);
      const atAda = await adaSocket.next<ReactionEvent>('reaction.updated', (event) => event.messageId === sent.id);
      expect(atBob.payload.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
      expect(atAda.payload.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
      expect(atAda.meta.cursor).toBe(atBob.meta.cursor);

      expect((await rest('PATCH', `/conversations/${conversationId}/messages/${sent.id}`, ada, { content: 'edited with a reaction' })).statusCode).toBe(200);
      const editedAtBob = await bobSocket.next<MessageEvent>('message.updated', (message) => message.id === sent.id);
      const editedAtAda = await adaSocket.next<MessageEvent>('message.updated', (message) => message.id === sent.id);
      expect(editedAtBob.payload.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
      expect(editedAtAda.payload.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
    });

    it("never gives a non-member a conversation's events, and refuses its conversation.join with NOT_FOUND", async () => {
      const eve = await given.user();
      const [eveSocket, bobSocket] = await Promise.all([connect(eve), connect(bob)]);

      const join = await eveSocket.request('conversation.join', { conversationId });
      expect(join).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const typing = await eveSocket.request('typing.start', { conversationId });
      expect(typing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const send = await eveSocket.request('message.send', { conversationId, clientMessageId: randomUUID(), content: 'let me in' });
      expect(send).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      const sent = await chat.message(ada, { id: conversationId }, 'members only');
      await bobSocket.next<MessageEvent>('message.created', (message) => message.id === sent.id);
      await sleep(200);
      expect(eveSocket.received.filter((received) => JSON.stringify(received.args).includes(conversationId))).toEqual([]);
    });
  });

  describe('membership changes', () => {
    it('puts connected sockets into the room of a conversation created after they connected', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const [adaSocket, bobSocket] = await Promise.all([connect(ada), connect(bob)]);
      const conversation = await chat.direct(ada, bob);
      await adaSocket.next('conversation.updated', (created: { id: string }) => created.id === conversation.id);
      const ack = await adaSocket.request<MessageEvent>('message.send', {
        conversationId: conversation.id,
        clientMessageId: randomUUID(),
        content: 'first words',
      });
      expect(ack.ok).toBe(true);
      await bobSocket.next<MessageEvent>('message.created', (message) => message.conversationId === conversation.id);
    });

    it('joins an added member to the room at once, and stops delivery to a removed one at once, telling it conversation.removed', async () => {
      const [owner, member, newcomer] = await Promise.all([given.user(), given.user(), given.user()]);
      const group = await chat.group(owner, [member]);
      const [ownerSocket, memberSocket, newcomerSocket] = await Promise.all([connect(owner), connect(member), connect(newcomer)]);

      expect((await rest('POST', `/conversations/${group.id}/members`, owner, { userIds: [newcomer.id] })).statusCode).toBe(200);
      await newcomerSocket.next('conversation.updated', (conversation: { id: string }) => conversation.id === group.id);
      const welcome = await chat.message(owner, group, 'welcome');
      await newcomerSocket.next<MessageEvent>('message.created', (message) => message.id === welcome.id);

      expect((await rest('DELETE', `/conversations/${group.id}/members/${member.id}`, owner)).statusCode).toBe(204);
      await memberSocket.next('conversation.removed', (event: { conversationId: string }) => event.conversationId === group.id);
      const after = await chat.message(owner, group, 'after the removal');
      await ownerSocket.next<MessageEvent>('message.created', (message) => message.id === after.id);
      await newcomerSocket.next<MessageEvent>('message.created', (message) => message.id === after.id);
      await sleep(200);
      expect(memberSocket.all<MessageEvent>('message.created', (message) => message.id === after.id)).toEqual([]);
      expect(await memberSocket.request('conversation.join', { conversationId: group.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });

    /** Wraps the handshake's membership read; `during` runs after a read of `userId` and before it answers. */
    async function withMembershipReads<T>(userId: string, during: (() => Promise<void>) | null, body: (reads: () => number) => Promise<T>): Promise<T> {
      const access = running.app.get(AccessService);
      const original = access.membershipWindows;
      let reads = 0;
      let pending = during;
      access.membershipWindows = async function (this: AccessService, user, limit, conversationId) {
        const answer = await original.call(this, user, limit, conversationId);
        if (user === userId && conversationId === undefined) {
          reads += 1;
          const hold = pending;
          pending = null;
          if (hold) await hold();
        }
        return answer;
      };
      try {
        return await body(() => reads);
      } finally {
        access.membershipWindows = original;
      }
    }

    it("reads a connecting socket's memberships once when nothing about them changed during its handshake", async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const conversation = await chat.direct(ada, bob);
      await withMembershipReads(bob.id, null, async (reads) => {
        const bobSocket = await connect(bob);
        const hello = await chat.message(ada, conversation, 'hello');
        await bobSocket.next<MessageEvent>('message.created', (message) => message.id === hello.id);
        expect(reads()).toBe(1);
      });
    });

    it('puts a socket in the room of a group it was added to while its handshake was reading its memberships', async () => {
      const [owner, bob] = await Promise.all([given.user(), given.user()]);
      const group = await chat.group(owner, []);
      const addBob = async () => {
        expect((await rest('POST', `/conversations/${group.id}/members`, owner, { userIds: [bob.id] })).statusCode).toBe(200);
        await running.app.get(EventLog).flush();
      };
      await withMembershipReads(bob.id, addBob, async (reads) => {
        const bobSocket = await connect(bob);
        await until(() => reads() === 2);
        const welcome = await chat.message(owner, group, 'welcome');
        await bobSocket.next<MessageEvent>('message.created', (message) => message.id === welcome.id);
      });
    });

    it('lets a member leave a room and join it again', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const conversation = await chat.direct(ada, bob);
      const bobSocket = await connect(bob);

      expect(await bobSocket.request('conversation.leave', { conversationId: conversation.id })).toEqual({ ok: true });
      const unheard = await chat.message(ada, conversation, 'not while away');
      await sleep(300);
      expect(bobSocket.all<MessageEvent>('message.created', (message) => message.id === unheard.id)).toEqual([]);

      expect(await bobSocket.request('conversation.join', { conversationId: conversation.id })).toEqual({ ok: true });
      const heard = await chat.message(ada, conversation, 'back again');
      await bobSocket.next<MessageEvent>('message.created', (message) => message.id === heard.id);
    });
  });

  describe('sessions', () => {
    it('tells a socket session.revoked and disconnects it when its session logs out', async () => {
      const ada = await given.user();
      const socket = await connect(ada);
      const other = await connect(await given.anotherSession(ada));

      expect((await rest('POST', '/auth/logout', ada)).statusCode).toBe(204);

      const revoked = await socket.next<{ reason: string }>('session.revoked');
      expect(revoked.payload).toEqual({ reason: 'logout' });
      await expect(socket.disconnected()).resolves.toBe('io server disconnect');
      expect(other.socket.connected).toBe(true);
    });

    it('tells a socket token.expired and disconnects it when its access token expires, unless auth.renew gave it a fresh one', async () => {
      const ada = await given.user();
      const shortLived = (seconds: number) => sign({ ...claimsOf(ada.accessToken), iat: now(), exp: now() + seconds });
      const [expiring, renewed] = await Promise.all([sockets.connect(running.url, shortLived(2)), sockets.connect(running.url, shortLived(2))]);

      const renewal = await renewed.request<{ expiresAt: string }>('auth.renew', { token: ada.accessToken });
      expect(renewal).toMatchObject({ ok: true, data: { expiresAt: new Date((claimsOf(ada.accessToken).exp as number) * 1000).toISOString() } });
      expect(await renewed.request('auth.renew', { token: (await given.user()).accessToken })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

      await expiring.next('token.expired', () => true, 4_000);
      await expect(expiring.disconnected()).resolves.toBe('io server disconnect');
      expect(renewed.socket.connected).toBe(true);
    });
  });

  describe('bad input and floods', () => {
    let ada: GivenUser;
    let conversationId: string;

    beforeAll(async () => {
      ada = await given.user();
      conversationId = (await chat.group(ada, [])).id;
    });

    it.each([
      ['message.send', { conversationId: 'not-a-uuid', clientMessageId: randomUUID(), content: 'x' }, 'conversationId'],
      ['message.send', { clientMessageId: randomUUID(), content: 'x' }, 'conversationId'],
      ['message.send', { conversationId: randomUUID(), clientMessageId: randomUUID(), content: 'x'.repeat(4001) }, 'content'],
      ['message.send', { conversationId: randomUUID(), clientMessageId: randomUUID(), content: 'x', senderId: randomUUID() }, 'senderId'],
      ['typing.start', 'just a string', 'payload'],
      ['conversation.read', { conversationId: randomUUID(), seq: -1 }, 'seq'],
      ['message.delivered', { conversationId: randomUUID(), seq: '3' }, 'seq'],
      ['conversation.join', [{ conversationId: randomUUID() }], 'payload'],
      ['auth.renew', {}, 'token'],
    ])('answers %s with %j by VALIDATION_FAILED naming %s', async (event, payload, field) => {
      const socket = await connect(ada);
      const ack = await socket.request(event, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      if (field !== 'payload') expect((ack as { error: { message: string } }).error.message).toContain(field);
      socket.close();
    });

    it('keeps serving a client that emits without an acknowledgement callback, or with no payload at all', async () => {
      const socket = await connect(ada);
      socket.socket.emit('message.send', { conversationId, clientMessageId: randomUUID(), content: 'fire and forget' });
      socket.socket.emit('typing.start', 'garbage');
      socket.socket.emit('conversation.read');
      socket.socket.emit('no.such.event', { hello: true });
      const ack = await socket.request('message.send', { conversationId, clientMessageId: randomUUID(), content: 'still here' });
      expect(ack.ok).toBe(true);
      // The server handles one socket's events concurrently: the unacknowledged send may commit after the acknowledged one.
      const contents = async () =>
        (await rest('GET', `/conversations/${conversationId}/messages`, ada)).json().items.map((message: MessageEvent) => message.content);
      await until(async () => (await contents()).includes('fire and forget'), 'the unacknowledged send in history');
      expect(await contents()).toEqual(expect.arrayContaining(['fire and forget', 'still here']));
    });

    it('answers a socket flooding events with RATE_LIMITED and retryAfter, then serves it again', async () => {
      const socket = await connect(ada);
      const acks = await Promise.all(Array.from({ length: 45 }, () => socket.request('conversation.join', { conversationId })));
      const limited = acks.filter((ack) => !ack.ok);
      expect(acks.filter((ack) => ack.ok).length).toBeGreaterThanOrEqual(30);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfter: 1 } });
      await sleep(1_100);
      expect(await socket.request('conversation.join', { conversationId })).toEqual({ ok: true });
    });

    it('closes the connection of a client sending a frame over 64 KiB, and nothing else', async () => {
      const socket = await connect(ada);
      const bystander = await connect(ada);
      socket.socket.emit('message.send', { conversationId, clientMessageId: randomUUID(), content: 'x'.repeat(70 * 1024) });
      await expect(socket.disconnected()).resolves.toBe('transport close');
      expect(await bystander.request('conversation.join', { conversationId })).toEqual({ ok: true });
    });
  });

  describe('documentation and metrics', () => {
    it('serves /docs/asyncapi.json describing every event both ways with payload schemas', async () => {
      const response = await running.app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
      expect(response.statusCode).toBe(200);
      const document = response.json();
      expect(document.asyncapi).toBe('2.6.0');
      const messages = document.components.messages as Record<string, { payload: { $ref: string }; 'x-ack'?: object; 'x-durable'?: boolean }>;
      const clientEvents = ['conversation.join', 'conversation.leave', 'message.send', 'typing.start', 'typing.stop', 'message.delivered', 'conversation.read'];
      const serverEvents = [
        'message.created',
        'message.updated',
        'message.deleted',
        'reaction.updated',
        'typing',
        'receipt',
        'presence',
        'conversation.updated',
        'conversation.removed',
        'session.revoked',
      ];
      for (const event of clientEvents) expect(messages[event]?.['x-ack']).toBeDefined();
      for (const event of serverEvents) expect(messages[event]?.payload.$ref).toMatch(/^#\/components\/schemas\//);
      for (const event of ['message.created', 'receipt', 'conversation.removed']) expect(messages[event]['x-durable']).toBe(true);
      expect(document.components.schemas.MessageDto.required).toEqual(expect.arrayContaining(['id', 'conversationId', 'seq', 'sender', 'reactions', 'status']));
    });

    it('exports the realtime metrics', async () => {
      const ada = await given.user();
      const socket = await connect(ada);
      const conversation = await chat.group(ada, []);
      expect((await socket.request('message.send', { conversationId: conversation.id, clientMessageId: randomUUID(), content: 'count me' })).ok).toBe(true);
      await socket.next('message.created', (message: MessageEvent) => message.content === 'count me');
      const metrics = (await running.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^chat_ws_connections [1-9]\d*$/m);
      expect(metrics).toMatch(/^chat_online_users [1-9]\d*$/m);
      expect(metrics).toMatch(/^chat_messages_sent_total\{transport="ws"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^chat_event_delivery_seconds_count\{type="message.created"\} [1-9]\d*$/m);
      // The same way, stage by stage: each stage saw the event once.
      for (const stage of ['to_sequencer', 'sequencer', 'to_emit', 'emit'])
        expect(metrics).toMatch(new RegExp(`^chat_event_delivery_stage_seconds_count\\{stage="${stage}"\\} [1-9]\\d*$`, 'm'));
    });
  });

  it('saw only events and acknowledgements that match the AsyncAPI document', () => {
    expect(checker.violations).toEqual([]);
  });
});

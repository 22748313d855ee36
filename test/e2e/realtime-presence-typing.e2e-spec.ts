import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, sleep, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPING_LIMIT = 5;

interface Typing {
  conversationId: string;
  userId: string;
  isTyping: boolean;
}

interface Receipt {
  conversationId: string;
  userId: string;
  type: 'delivered' | 'read';
  seq: number;
}

interface Presence {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

describe('realtime typing, receipts and presence', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    running = await startTestApp({ TYPING_RATE_LIMIT: String(TYPING_LIMIT) }, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
  });

  afterAll(async () => {
    sockets.closeAll();
    await running.close();
  });

  const connect = (user: GivenUser) => sockets.connect(running.url, user.accessToken);

  describe('typing', () => {
    it("relays typing.start and typing.stop to the others in the room, never to the typist's own sockets", async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const { id: conversationId } = await chat.direct(ada, bob);
      const [adaSocket, adaOtherSocket, bobSocket] = await Promise.all([connect(ada), connect(ada), connect(bob)]);

      expect(await adaSocket.request('typing.start', { conversationId })).toEqual({ ok: true });
      await expect(bobSocket.next<Typing>('typing', (typing) => typing.isTyping)).resolves.toMatchObject({
        payload: { conversationId, userId: ada.id, isTyping: true },
      });
      expect(await adaSocket.request('typing.stop', { conversationId })).toEqual({ ok: true });
      await bobSocket.next<Typing>('typing', (typing) => !typing.isTyping && typing.userId === ada.id);

      await sleep(200);
      expect(adaSocket.all('typing')).toEqual([]);
      expect(adaOtherSocket.all('typing')).toEqual([]);
    });

    it('ends a typing.start that no stop follows after 6 s by itself, and at once when the typist disconnects', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const { id: conversationId } = await chat.direct(ada, bob);
      const [adaSocket, leavingSocket, bobSocket] = await Promise.all([connect(ada), connect(ada), connect(bob)]);

      const startedAt = Date.now();
      expect(await adaSocket.request('typing.start', { conversationId })).toEqual({ ok: true });
      expect(await leavingSocket.request('typing.start', { conversationId })).toEqual({ ok: true });
      leavingSocket.close();
      await bobSocket.next<Typing>('typing', (typing) => !typing.isTyping);
      // Long before the 6 s expiry (with room for a loaded CI machine): the disconnect ended it.
      expect(Date.now() - startedAt).toBeLessThan(3_000);

      await sleep(6_500 - (Date.now() - startedAt));
      const stops = bobSocket.all<Typing>('typing', (typing) => !typing.isTyping);
      expect(stops).toHaveLength(2);
      expect(stops.every(({ payload }) => payload.userId === ada.id && payload.conversationId === conversationId)).toBe(true);
    }, 15_000);

    it(`limits typing events to TYPING_RATE_LIMIT (${TYPING_LIMIT}) per user per 10 s, across the user's sockets`, async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const { id: conversationId } = await chat.direct(ada, bob);
      const [first, second] = await Promise.all([connect(ada), connect(ada)]);
      const acks = [];
      for (let n = 0; n < TYPING_LIMIT; n++) acks.push(await (n % 2 ? first : second).request('typing.start', { conversationId }));
      expect(acks.every((ack) => ack.ok)).toBe(true);
      const over = await first.request('typing.stop', { conversationId });
      expect(over).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) } });
      expect((over as { error: { retryAfter: number } }).error.retryAfter).toBeGreaterThan(0);
      expect((over as { error: { retryAfter: number } }).error.retryAfter).toBeLessThanOrEqual(10);
    });
  });

  describe('receipts', () => {
    it('moves delivered and read markers forward only, telling the room with receipt events that carry a cursor', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const conversation = await chat.direct(ada, bob);
      const [adaSocket, bobSocket] = await Promise.all([connect(ada), connect(bob)]);
      const first = await chat.message(ada, conversation, 'one');
      const second = await chat.message(ada, conversation, 'two');

      expect(await bobSocket.request('message.delivered', { conversationId: conversation.id, seq: second.seq })).toEqual({ ok: true });
      const delivered = await adaSocket.next<Receipt>('receipt', (receipt) => receipt.type === 'delivered' && receipt.userId === bob.id);
      expect(delivered.payload).toEqual({ conversationId: conversation.id, userId: bob.id, type: 'delivered', seq: second.seq });
      expect(delivered.meta.cursor).toEqual(expect.any(String));

      expect(await bobSocket.request('conversation.read', { conversationId: conversation.id, seq: first.seq })).toEqual({ ok: true });
      await adaSocket.next<Receipt>('receipt', (receipt) => receipt.type === 'read' && receipt.seq === first.seq);

      expect(await bobSocket.request('conversation.read', { conversationId: conversation.id, seq: first.seq - 1 })).toEqual({ ok: true });
      expect(await bobSocket.request('message.delivered', { conversationId: conversation.id, seq: first.seq })).toEqual({ ok: true });
      await sleep(300);
      expect(adaSocket.all<Receipt>('receipt').map(({ payload }) => [payload.type, payload.seq])).toEqual([
        ['delivered', second.seq],
        ['read', first.seq],
      ]);

      const history = await running.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversation.id}/messages`, headers: ada.auth });
      expect(history.json().items.map((message: { status: string }) => message.status)).toEqual(['read', 'delivered']);
    });

    it('answers markers for a conversation the user is not in with NOT_FOUND', async () => {
      const [ada, bob, eve] = await Promise.all([given.user(), given.user(), given.user()]);
      const conversation = await chat.direct(ada, bob);
      const eveSocket = await connect(eve);
      for (const event of ['message.delivered', 'conversation.read']) {
        expect(await eveSocket.request(event, { conversationId: conversation.id, seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      }
      expect(await eveSocket.request('conversation.read', { conversationId: randomUUID(), seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });
  });

  describe('presence', () => {
    it('announces a user online at its first socket and offline at its last, with lastSeenAt kept in the database', async () => {
      const [watcher, ada, stranger] = await Promise.all([given.user(), given.user(), given.user()]);
      await chat.group(watcher, [ada]);
      const [watcherSocket, strangerSocket] = await Promise.all([connect(watcher), connect(stranger)]);
      const ofAda = (presence: Presence) => presence.userId === ada.id;

      const phone = await connect(ada);
      const online = await watcherSocket.next<Presence>('presence', (presence) => ofAda(presence) && presence.online);
      expect(online.payload).toEqual({ userId: ada.id, online: true, lastSeenAt: null });
      const profile = () => running.app.inject({ method: 'GET', url: `/api/v1/users/${ada.id}`, headers: watcher.auth }).then((response) => response.json());
      expect((await profile()).presence).toEqual({ online: true, lastSeenAt: null });

      const laptop = await connect(ada);
      phone.close();
      await sleep(300);
      expect(watcherSocket.all<Presence>('presence', ofAda)).toHaveLength(1);
      expect((await profile()).presence.online).toBe(true);

      const before = Date.now();
      laptop.close();
      const offline = await watcherSocket.next<Presence>('presence', (presence) => ofAda(presence) && !presence.online);
      expect(Date.parse(offline.payload.lastSeenAt!)).toBeGreaterThanOrEqual(before - 1_000);
      expect((await profile()).presence).toEqual({ online: false, lastSeenAt: offline.payload.lastSeenAt });
      const [row] = await running.app.get(DataSource).query(`SELECT last_seen_at FROM users WHERE id = $1`, [ada.id]);
      expect(new Date(row.last_seen_at).toISOString()).toBe(offline.payload.lastSeenAt);

      expect(strangerSocket.all<Presence>('presence', ofAda)).toEqual([]);
      expect(watcherSocket.all<Presence>('presence', ofAda)).toHaveLength(2);
    });

    it('counts online users in the admin stats', async () => {
      const [admin, ada] = await Promise.all([given.admin(), given.user()]);
      const stats = () =>
        running.app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: admin.auth }).then((response) => response.json().onlineUsers as number);
      const before = await stats();
      const socket = await connect(ada);
      await sleep(100);
      expect(await stats()).toBe(before + 1);
      socket.close();
      await sleep(300);
      expect(await stats()).toBe(before);
    });
  });

  it('saw only events and acknowledgements that match the AsyncAPI document', () => {
    expect(checker.violations).toEqual([]);
  });
});

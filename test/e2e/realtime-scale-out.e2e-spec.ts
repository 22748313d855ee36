import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, sleep, socketFactory, type TestSocket } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Presence {
  userId: string;
  online: boolean;
}

const redisUrl = process.env.REDIS_URL;
const describeWithRedis = redisUrl ? describe : describe.skip;
const title = redisUrl
  ? 'two instances on one database and one Redis'
  : 'two instances on one database and one Redis — SKIPPED: this run has no REDIS_URL (embedded mode keeps shared state in memory, one instance)';

describeWithRedis(title, () => {
  let a: TestApp;
  let b: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    a = await startTestApp({}, { listen: true });
    b = await startTestApp({}, { listen: true });
    given = builders(a);
    chat = chatBuilders(a);
    checker = await AsyncApiChecker.load(a);
    sockets = socketFactory(() => checker);
  });

  afterAll(async () => {
    sockets.closeAll();
    await b?.close();
    await a?.close();
  });

  const onA = (user: GivenUser) => sockets.connect(a.url, user.accessToken);
  const onB = (user: GivenUser) => sockets.connect(b.url, user.accessToken);

  it('lets a user on instance A and a user on instance B exchange messages, with the same cursor on both', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const { id: conversationId } = await chat.direct(ada, bob);
    const [adaSocket, bobSocket] = await Promise.all([onA(ada), onB(bob)]);

    const sent = await adaSocket.request<{ id: string; seq: number }>('message.send', { conversationId, clientMessageId: randomUUID(), content: 'from A' });
    expect(sent.ok).toBe(true);
    const atB = await bobSocket.next<{ id: string }>('message.created', (message) => message.id === (sent as { data: { id: string } }).data.id);
    const atA = await adaSocket.next<{ id: string }>('message.created', (message) => message.id === atB.payload.id);
    expect(atB.meta.cursor).toBe(atA.meta.cursor);

    const reply = await bobSocket.request('message.send', { conversationId, clientMessageId: randomUUID(), content: 'from B' });
    expect(reply.ok).toBe(true);
    await adaSocket.next<{ content: string }>('message.created', (message) => message.content === 'from B');

    expect(await bobSocket.request('typing.start', { conversationId })).toEqual({ ok: true });
    await adaSocket.next<{ userId: string; isTyping: boolean }>('typing', (typing) => typing.userId === bob.id && typing.isTyping);
    expect(await bobSocket.request('conversation.read', { conversationId, seq: (sent as { data: { seq: number } }).data.seq })).toEqual({ ok: true });
    await adaSocket.next<{ userId: string; type: string }>('receipt', (receipt) => receipt.userId === bob.id && receipt.type === 'read');
  });

  it("shows presence across instances: online while any of a user's sockets is connected, on either instance", async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    await chat.direct(ada, bob);
    const adaSocket = await onA(ada);
    const ofBob = (online: boolean) => (presence: Presence) => presence.userId === bob.id && presence.online === online;

    const bobOnB = await onB(bob);
    await adaSocket.next<Presence>('presence', ofBob(true));
    const bobOnA = await onA(bob);
    bobOnB.close();
    await sleep(300);
    expect(adaSocket.all<Presence>('presence', ofBob(false))).toEqual([]);
    bobOnA.close();
    await adaSocket.next<Presence>('presence', ofBob(false));

    const bobAgain = await onB(bob);
    adaSocket.close();
    await bobAgain.next<Presence>('presence', (presence) => presence.userId === ada.id && !presence.online);
  });

  it('moves sockets on the other instance in and out of rooms when membership changes', async () => {
    const [owner, carol] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(owner, []);
    const carolSocket = await onB(carol);

    expect(
      (await a.app.inject({ method: 'POST', url: `/api/v1/conversations/${group.id}/members`, headers: owner.auth, payload: { userIds: [carol.id] } }))
        .statusCode,
    ).toBe(200);
    await carolSocket.next('conversation.updated', (conversation: { id: string }) => conversation.id === group.id);
    const hello = await chat.message(owner, group, 'hello Carol');
    await carolSocket.next<{ id: string }>('message.created', (message) => message.id === hello.id);

    expect((await a.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${group.id}/members/${carol.id}`, headers: owner.auth })).statusCode).toBe(204);
    await carolSocket.next('conversation.removed', (event: { conversationId: string }) => event.conversationId === group.id);
    const gone = await chat.message(owner, group, 'after Carol left');
    await sleep(300);
    expect(carolSocket.all<{ id: string }>('message.created', (message) => message.id === gone.id)).toEqual([]);
  });

  it('disconnects the socket on instance B when an admin bans its user on instance A', async () => {
    const [admin, bob] = await Promise.all([given.admin(), given.user()]);
    const bobSocket = await onB(bob);

    const ban = await a.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${bob.id}`, headers: admin.auth, payload: { banned: true } });
    expect(ban.statusCode).toBe(200);

    await expect(bobSocket.next('session.revoked')).resolves.toMatchObject({ payload: { reason: 'banned' } });
    await expect(bobSocket.disconnected()).resolves.toBe('io server disconnect');
  });

  it('tells its sockets to /sync after the link to Redis came back, and delivers across instances again', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const conversation = await chat.direct(ada, bob);
    const pair: TestSocket[] = await Promise.all([onA(ada), onB(bob)]);
    const admin = new Redis(redisUrl!);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    await Promise.all(pair.map((socket) => socket.next('sync.required', () => true, 10_000)));

    const sent = await chat.message(ada, conversation, 'after the outage');
    await pair[1].next<{ id: string }>('message.created', (message) => message.id === sent.id);
  });

  it('saw only events and acknowledgements that match the AsyncAPI document', () => {
    expect(checker.violations).toEqual([]);
  });
});

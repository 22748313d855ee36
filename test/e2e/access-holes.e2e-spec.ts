import { ConversationsService } from '../../src/conversations/conversations.service.js';
import { DataSource } from 'typeorm';
import { EventLog } from '../../src/events/event-log.service.js';
import { SyncCursors } from '../../src/sync/sync-cursors.js';
import { sessionIdOf } from '../support/world.js';
import { chatBuilders, type ChatGiven, type GivenConversation } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, socketFactory, type TestSocket } from '../support/sockets.js';
import { eventually } from '../support/faults/ports.js';
import { hasRedisServer, ThrowawayRedis } from '../support/faults/throwaway-redis.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

/*
 * The three holes of issue 13, attacked over the wire:
 * 1. blocks hold for every interaction of a direct conversation and for group adds;
 * 2. the log forgets: no deleted or edited-away words through /sync (conversation.updated's lastMessage
 *    included), and a late joiner rewinding to cursor 0 sees nothing from before the join;
 * 3. a member removed while Redis stalls gets no further message of the group, on any instance.
 */

interface SyncPage {
  events: Array<{ type: string; data: Record<string, unknown>; cursor: string }>;
  cursor: string;
  hasMore: boolean;
  resyncRequired: boolean;
}

/**
 * The oldest cursor the log accepts: position 0, or — once retention pruned some (other suites share the
 * database and test it) — the position it pruned through. Built as the server builds cursors.
 */
async function cursorZero(running: TestApp): Promise<string> {
  const [{ pruned_through: prunedThrough }] = await running.app.get(DataSource).query('SELECT pruned_through FROM event_log_state WHERE id = 1');
  return running.app.get(SyncCursors).encode(BigInt(prunedThrough));
}

describe('blocks, the forgetting log and membership windows', () => {
  const app = useTestApp({ listen: true });
  let given: Given;
  let chat: ChatGiven;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    const checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
  });

  afterAll(() => sockets.closeAll());

  const request = (user: GivenUser, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });

  async function syncAll(user: GivenUser, since: string): Promise<SyncPage['events']> {
    // Everything committed so far has its position (sequencing runs just after each commit).
    await app.running.app.get(EventLog).flush();
    const events: SyncPage['events'] = [];
    for (let cursor = since, more = true; more;) {
      const response = await request(user, 'GET', `/sync?since=${encodeURIComponent(cursor)}&limit=500`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as SyncPage;
      expect(page.resyncRequired).toBe(false);
      events.push(...page.events);
      cursor = page.cursor;
      more = page.hasMore;
    }
    return events;
  }

  describe('a block in a direct conversation', () => {
    let ada: GivenUser;
    let bob: GivenUser;
    let direct: GivenConversation;
    let bobsMessage: { id: string };
    let adasMessage: { id: string };

    beforeAll(async () => {
      [ada, bob] = await Promise.all([given.user(), given.user()]);
      direct = await chat.direct(ada, bob);
      bobsMessage = await chat.message(bob, direct, 'from bob');
      adasMessage = await chat.message(ada, direct, 'from ada');
      expect((await request(ada, 'PUT', `/users/${bob.id}/block`)).statusCode).toBe(204);
    });

    it.each([
      ['the blocked user', () => bob, () => bobsMessage],
      ['the blocker', () => ada, () => adasMessage],
    ])('refuses %s an edit, a reaction and markers with 403 BLOCKED', async (_who, who, own) => {
      const edit = await request(who(), 'PATCH', `/conversations/${direct.id}/messages/${own().id}`, { content: 'changed' });
      expect([edit.statusCode, edit.json().code]).toEqual([403, 'BLOCKED']);
      const react = await request(who(), 'PUT', `/conversations/${direct.id}/messages/${own().id}/reactions/${encodeURIComponent('👍')}`);
      expect([react.statusCode, react.json().code]).toEqual([403, 'BLOCKED']);
      const read = await request(who(), 'POST', `/conversations/${direct.id}/read`, { seq: 2 });
      expect([read.statusCode, read.json().code]).toEqual([403, 'BLOCKED']);
      const send = await request(who(), 'POST', `/conversations/${direct.id}/messages`, { clientMessageId: crypto.randomUUID(), content: 'hi' });
      expect([send.statusCode, send.json().code]).toEqual([403, 'BLOCKED']);
    });

    it('refuses typing and receipts from a socket, and lets nothing through to the other side', async () => {
      const bobSocket = await sockets.connect(app.running.url, bob.accessToken);
      const adaSocket = await sockets.connect(app.running.url, ada.accessToken);
      for (const event of ['typing.start', 'typing.stop']) {
        const ack = await bobSocket.request(event, { conversationId: direct.id });
        expect(ack).toMatchObject({ ok: false, error: { code: 'BLOCKED' } });
      }
      for (const event of ['message.delivered', 'conversation.read']) {
        const ack = await bobSocket.request(event, { conversationId: direct.id, seq: 2 });
        expect(ack).toMatchObject({ ok: false, error: { code: 'BLOCKED' } });
      }
      const edit = await bobSocket.request('message.send', { conversationId: direct.id, clientMessageId: crypto.randomUUID(), content: 'hello?' });
      expect(edit).toMatchObject({ ok: false, error: { code: 'BLOCKED' } });
      // A request that went through after all of that: ada has heard nothing of bob's attempts.
      expect((await adaSocket.request('conversation.join', { conversationId: direct.id })).ok).toBe(true);
      expect(adaSocket.all('typing')).toEqual([]);
      expect(adaSocket.all('receipt')).toEqual([]);
      expect(adaSocket.all('message.updated')).toEqual([]);
    });

    it('still lets each delete their own words, and read the history', async () => {
      expect((await request(bob, 'DELETE', `/conversations/${direct.id}/messages/${bobsMessage.id}`)).statusCode).toBe(204);
      const history = await request(bob, 'GET', `/conversations/${direct.id}/messages`);
      expect(history.statusCode).toBe(200);
      expect(history.json().items.map((message: { content: string | null }) => message.content)).toEqual([null, 'from ada']);
    });

    it('lifts everything when unblocked', async () => {
      expect((await request(ada, 'DELETE', `/users/${bob.id}/block`)).statusCode).toBe(204);
      expect((await request(ada, 'PATCH', `/conversations/${direct.id}/messages/${adasMessage.id}`, { content: 'edited' })).statusCode).toBe(200);
      expect((await request(bob, 'PUT', `/conversations/${direct.id}/messages/${adasMessage.id}/reactions/${encodeURIComponent('👍')}`)).statusCode).toBe(200);
    });
  });

  describe('a block and groups', () => {
    it('refuses to add someone who blocked you, or whom you blocked, to a new or existing group; existing groups go on', async () => {
      const [carol, dave, erin] = await Promise.all([given.user(), given.user(), given.user()]);
      const together = await chat.group(carol, [dave, erin], 'before the block');
      expect((await request(dave, 'PUT', `/users/${carol.id}/block`)).statusCode).toBe(204);

      for (const [adder, added] of [
        [carol, dave],
        [dave, carol],
      ]) {
        const created = await request(adder, 'POST', '/conversations', { type: 'group', title: 'new', memberIds: [added.id] });
        expect([created.statusCode, created.json().code]).toEqual([403, 'BLOCKED']);
        const group = await chat.group(adder, [erin], 'no block yet');
        const add = await request(adder, 'POST', `/conversations/${group.id}/members`, { userIds: [added.id, erin.id] });
        expect([add.statusCode, add.json().code]).toEqual([403, 'BLOCKED']);
      }
      // Someone else may add them; in a group they already share, both go on as before.
      const erinsGroup = await chat.group(erin, [carol], 'erin adds');
      expect((await request(erin, 'POST', `/conversations/${erinsGroup.id}/members`, { userIds: [dave.id] })).statusCode).toBe(200);
      const message = await chat.message(dave, together, 'still talking here');
      expect((await request(carol, 'PUT', `/conversations/${together.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`)).statusCode).toBe(200);
    });
  });

  describe('the log forgets', () => {
    it('serves no deleted or edited-away words through /sync, conversation.updated lastMessage included, to anyone', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const group = await chat.group(ada, [bob], 'plans');
      const start = await cursorZero(app.running);
      const secret = await chat.message(ada, group, 'the secret plan');
      // The newest message when the group is renamed: every member's conversation.updated embeds it.
      const draft = await chat.message(ada, group, 'draft wording');
      expect((await request(ada, 'PATCH', `/conversations/${group.id}`, { title: 'plans, renamed' })).statusCode).toBe(200);
      expect((await request(ada, 'DELETE', `/conversations/${group.id}/messages/${secret.id}`)).statusCode).toBe(204);
      expect((await request(ada, 'PATCH', `/conversations/${group.id}/messages/${draft.id}`, { content: 'final wording' })).statusCode).toBe(200);

      for (const member of [ada, bob]) {
        const events = await syncAll(member, start);
        const text = JSON.stringify(events);
        expect(text).not.toContain('secret plan');
        expect(text).not.toContain('draft wording');
        expect(text).toContain('final wording');
        const renamed = events.filter((event) => event.type === 'conversation.updated' && event.data.title === 'plans, renamed');
        expect(renamed).toHaveLength(1);
        expect(renamed[0].data.lastMessage).toMatchObject({ id: draft.id, content: 'final wording' });
        const created = events.find((event) => event.type === 'message.created' && event.data.id === secret.id);
        expect(created?.data).toMatchObject({ content: null, attachments: [], reactions: [] });
        expect(created?.data.deletedAt).toEqual(expect.any(String));
      }
    });

    it('shows a late joiner rewinding to cursor 0 nothing from before the join, and a member who left nothing after', async () => {
      const [ada, bob, carol] = await Promise.all([given.user(), given.user(), given.user()]);
      const group = await chat.group(ada, [bob], 'before carol');
      const early = await chat.message(bob, group, 'said before carol came');
      await request(ada, 'PUT', `/conversations/${group.id}/messages/${early.id}/reactions/${encodeURIComponent('🙈')}`);
      expect((await request(ada, 'POST', `/conversations/${group.id}/members`, { userIds: [carol.id] })).statusCode).toBe(200);
      const late = await chat.message(ada, group, 'said after carol came');

      // Her first event is her join: the conversation as it then was (its last message is history she may
      // read, as in GET /conversations); nothing of what happened before it comes as an event.
      const carolsEvents = await syncAll(carol, await cursorZero(app.running));
      expect(carolsEvents.map((event) => event.type)).toEqual(['conversation.updated', 'message.created']);
      expect(carolsEvents[0].data).toMatchObject({ id: group.id, lastMessage: { id: early.id } });
      expect(JSON.stringify(carolsEvents.slice(1))).not.toContain('said before carol came');
      expect(carolsEvents[1].data).toMatchObject({ id: late.id });
      // The history is the history: carol reads it over REST as any member does.
      expect((await request(carol, 'GET', `/conversations/${group.id}/messages`)).json().items).toHaveLength(2);

      expect((await request(bob, 'DELETE', `/conversations/${group.id}/members/${bob.id}`)).statusCode).toBe(204);
      await chat.message(ada, group, 'said after bob left');
      const bobsEvents = JSON.stringify(await syncAll(bob, await cursorZero(app.running)));
      expect(bobsEvents).not.toContain('said after bob left');
      expect(bobsEvents).not.toContain('said after carol came');

      // A re-join is a new window: nothing from while bob was away, nor from before.
      expect((await request(ada, 'POST', `/conversations/${group.id}/members`, { userIds: [bob.id] })).statusCode).toBe(200);
      await chat.message(ada, group, 'welcome back');
      const rejoined = await syncAll(bob, await cursorZero(app.running));
      const conversationEvents = rejoined.filter((event) => event.type.startsWith('message.'));
      expect(conversationEvents.map((event) => event.data.content)).toEqual(['welcome back']);
    });

    it('delivers live only from the join on', async () => {
      const [ada, dora] = await Promise.all([given.user(), given.user()]);
      const group = await chat.group(ada, [], 'live');
      const doraSocket = await sockets.connect(app.running.url, dora.accessToken);
      await chat.message(ada, group, 'before dora');
      expect((await request(ada, 'POST', `/conversations/${group.id}/members`, { userIds: [dora.id] })).statusCode).toBe(200);
      await chat.message(ada, group, 'after dora');
      await doraSocket.next('message.created', (message: { content: string }) => message.content === 'after dora');
      expect(doraSocket.all('message.created').map((event) => (event.payload as { content: string }).content)).toEqual(['after dora']);
    });
  });
});

const redisAvailable = hasRedisServer();
if (!redisAvailable) process.stderr.write('access-holes: the Redis stall test is skipped, no redis-server on the PATH\n');
const describeWithRedis = redisAvailable ? describe : describe.skip;

describeWithRedis('a member removed while Redis stalls (two instances, throwaway redis-server)', () => {
  let redis: ThrowawayRedis;
  let first: TestApp;
  let second: TestApp;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    first = await startTestApp({ REDIS_URL: redis.url }, { listen: true });
    second = await startTestApp({ REDIS_URL: redis.url }, { listen: true });
    const checker = await AsyncApiChecker.load(first);
    sockets = socketFactory(() => checker);
  });

  afterAll(async () => {
    sockets?.closeAll();
    redis?.thaw();
    await second?.close();
    await first?.close();
    await redis?.destroy();
  });

  const messagesOf = (socket: TestSocket, conversationId: string) =>
    socket
      .all<{ conversationId: string; content: string }>('message.created', (message) => message.conversationId === conversationId)
      .map((event) => event.payload.content);

  it('gets conversation.removed from the log with Redis frozen, then no further message of the group, while REST answers 404', async () => {
    const given = builders(first);
    const chat = chatBuilders(first);
    const [owner, removed, witness] = await Promise.all([given.user(), given.user(), given.user()]);
    const group = await chat.group(owner, [removed, witness], 'stalled');
    // The removed member has a socket on each instance; the witness stays, on the other instance.
    const removedThere = await sockets.connect(second.url, removed.accessToken);
    const removedHere = await sockets.connect(first.url, removed.accessToken);
    const witnessThere = await sockets.connect(second.url, witness.accessToken);
    const witnessHere = await sockets.connect(first.url, witness.accessToken);
    await chat.message(owner, group, 'before the stall');
    for (const socket of [removedThere, removedHere, witnessThere, witnessHere])
      await socket.next('message.created', (message: { content: string }) => message.content === 'before the stall');

    redis.freeze();
    // In process: over HTTP the throttler would answer 503 while Redis hangs; the removal itself needs no Redis.
    await first.app.get(ConversationsService).removeMember({ id: owner.id, role: 'user', sessionId: sessionIdOf(owner) }, group.id, removed.id);
    // Neither the adapter nor the instances' channel carries anything now: the other instance reads the log.
    await removedThere.next('conversation.removed', (event: { conversationId: string }) => event.conversationId === group.id, 10_000);
    await removedHere.next('conversation.removed', (event: { conversationId: string }) => event.conversationId === group.id);
    redis.thaw();

    await eventually(
      async () => ((await first.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: owner.auth })).statusCode === 200 ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'REST back after the stall',
      },
    );
    for (const content of ['after 1', 'after 2', 'after 3']) await chat.message(owner, group, content);
    for (const witnessSocket of [witnessThere, witnessHere]) {
      await witnessSocket.next('message.created', (message: { content: string }) => message.content === 'after 3', 10_000);
      expect(messagesOf(witnessSocket, group.id)).toEqual(['before the stall', 'after 1', 'after 2', 'after 3']);
    }
    // Each instance delivered everything up to the last message to the witness; anything for the removed member would have come with it.
    expect(messagesOf(removedThere, group.id)).toEqual(['before the stall']);
    expect(messagesOf(removedHere, group.id)).toEqual(['before the stall']);
    for (const running of [first, second]) {
      const response = await running.app.inject({ method: 'GET', url: `/api/v1/conversations/${group.id}`, headers: removed.auth });
      expect([response.statusCode, response.json().code]).toEqual([404, 'NOT_FOUND']);
    }
  });
});

import { randomUUID } from 'node:crypto';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient, type DepthMessage } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface ThreadPage {
  root: DepthMessage;
  items: DepthMessage[];
  hasMore: boolean;
}

interface ThreadList {
  items: Array<{ root: DepthMessage; replyCount: number; unreadReplies: number; lastReplyAt: string | null }>;
  nextCursor: string | null;
}

describe('threads: replies, the root, thread pages, read markers and the threads list', () => {
  const app = useTestApp({ listen: true });
  let given: Given;
  let chat: ChatGiven;
  let client: DepthClient;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    client = depthClient(app.running);
    checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
  });

  afterAll(() => {
    sockets.closeAll();
    expect(checker.violations).toEqual([]);
  });

  const thread = (user: GivenUser, conversationId: string, messageId: string, query = '') =>
    client.get<ThreadPage>(user, `/conversations/${conversationId}/messages/${messageId}/thread${query}`);
  const readThread = (user: GivenUser, conversationId: string, messageId: string, seq: unknown) =>
    client.inject('POST', `/conversations/${conversationId}/messages/${messageId}/thread/read`, user, { seq });

  async function threeInAGroup() {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const room = await chat.group(ada, [bob, cy]);
    return { ada, bob, cy, room };
  }

  describe('replying', () => {
    it('puts a reply, and a reply to a reply, in the thread of the root, whose figures move', async () => {
      const { ada, bob, cy, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'lunch?' });
      expect(root).toMatchObject({ threadRootId: null, replyCount: 0, lastReplyAt: null, threadParticipantIds: [], alsoToConversation: true });
      const first = await client.send(bob, room.id, { content: 'yes', replyToId: root.id });
      const second = await client.send(cy, room.id, { content: 'me too', replyToId: first.id });
      expect(first).toMatchObject({ replyToId: root.id, threadRootId: root.id });
      expect(second).toMatchObject({ replyToId: first.id, threadRootId: root.id });

      const page = await thread(ada, room.id, root.id);
      expect(page.root).toMatchObject({ id: root.id, replyCount: 2, lastReplyAt: second.createdAt, threadParticipantIds: [bob.id, cy.id] });
      expect(page.items.map((reply) => reply.id)).toEqual([first.id, second.id]);
      expect(page.hasMore).toBe(false);
      // A reply's id opens the thread it is in.
      expect((await thread(cy, room.id, second.id)).root.id).toBe(root.id);
    });

    it('keeps at most three participants on the root, in the order they first replied', async () => {
      const users = await Promise.all(Array.from({ length: 5 }, () => given.user()));
      const [owner, ...others] = users;
      const room = await chat.group(owner, others);
      const root = await client.send(owner, room.id, { content: 'root' });
      for (const user of [...others, others[0]]) await client.send(user, room.id, { content: 'reply', replyToId: root.id });
      const page = await thread(owner, room.id, root.id);
      expect(page.root.replyCount).toBe(5);
      expect(page.root.threadParticipantIds).toEqual(others.slice(0, 3).map((user) => user.id));
    });

    it('counts a retried reply once: the same clientMessageId answers the first reply', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      const clientMessageId = randomUUID();
      const payload = { clientMessageId, content: 'once', replyToId: root.id };
      const first = await client.inject('POST', `/conversations/${room.id}/messages`, bob, payload);
      const again = await client.inject('POST', `/conversations/${room.id}/messages`, bob, payload);
      expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
      expect(again.json().id).toBe(first.json().id);
      expect((await thread(ada, room.id, root.id)).root.replyCount).toBe(1);
    });

    it('keeps a reply sent with alsoToConversation: false out of the unread count, not out of history', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      await client.inject('POST', `/conversations/${room.id}/read`, bob, { seq: root.seq });
      const quiet = await client.send(ada, room.id, { content: 'only in the thread', replyToId: root.id, alsoToConversation: false });
      expect(quiet.alsoToConversation).toBe(false);
      const conversation = await client.get<{ unreadCount: number }>(bob, `/conversations/${room.id}`);
      expect(conversation.unreadCount).toBe(0);
      const history = await client.get<{ items: DepthMessage[] }>(bob, `/conversations/${room.id}/messages`);
      expect(history.items.map((message) => message.id)).toContain(quiet.id);
      await client.send(ada, room.id, { content: 'to everyone', replyToId: root.id });
      expect((await client.get<{ unreadCount: number }>(bob, `/conversations/${room.id}`)).unreadCount).toBe(1);
    });

    it('refuses alsoToConversation without replyToId, and a reply to a message of another conversation (400)', async () => {
      const { ada, room } = await threeInAGroup();
      const elsewhere = await client.send(ada, (await chat.group(ada)).id, { content: 'elsewhere' });
      const alone = await client.inject('POST', `/conversations/${room.id}/messages`, ada, {
        clientMessageId: randomUUID(),
        content: 'x',
        alsoToConversation: false,
      });
      expect(alone.statusCode).toBe(400);
      expect(alone.json().details).toEqual([expect.objectContaining({ field: 'alsoToConversation' })]);
      const foreign = await client.inject('POST', `/conversations/${room.id}/messages`, ada, {
        clientMessageId: randomUUID(),
        content: 'x',
        replyToId: elsewhere.id,
      });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json().details).toEqual([expect.objectContaining({ field: 'replyToId' })]);
      const notBoolean = await client.inject('POST', `/conversations/${room.id}/messages`, ada, {
        clientMessageId: randomUUID(),
        content: 'x',
        replyToId: elsewhere.id,
        alsoToConversation: 'no',
      });
      expect(notBoolean.statusCode).toBe(400);
      expect(notBoolean.json().code).toBe('VALIDATION_FAILED');
    });

    it('sends a thread reply over the socket too, announcing thread.updated to the room with a cursor, also in /sync', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      const since = await client.cursor(ada);
      const adaSocket = await sockets.connect(app.running.url, ada.accessToken);
      const bobSocket = await sockets.connect(app.running.url, bob.accessToken);
      const ack = await bobSocket.request<DepthMessage>('message.send', {
        conversationId: room.id,
        clientMessageId: randomUUID(),
        content: 'over the socket',
        replyToId: root.id,
        alsoToConversation: false,
      });
      expect(ack).toMatchObject({ ok: true, data: { threadRootId: root.id, alsoToConversation: false } });
      const { payload, meta } = await adaSocket.next<{ rootId: string; replyCount: number }>('thread.updated', (event) => event.rootId === root.id);
      expect(payload).toEqual({ conversationId: room.id, rootId: root.id, replyCount: 1, lastReplyAt: expect.any(String), threadParticipantIds: [bob.id] });
      expect(meta.cursor).toEqual(expect.any(String));
      const events = await client.syncSince(ada, since);
      expect(events.filter((event) => event.type === 'thread.updated')).toEqual([{ type: 'thread.updated', data: payload, cursor: meta.cursor }]);
    });
  });

  describe('thread pages', () => {
    it('pages replies by seq with after and limit', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      await client.send(ada, room.id, { content: 'not in the thread' });
      const replies: DepthMessage[] = [];
      for (let n = 0; n < 5; n += 1) replies.push(await client.send(bob, room.id, { content: `reply ${n}`, replyToId: root.id }));
      const first = await thread(ada, room.id, root.id, '?limit=2');
      expect(first.items.map((reply) => reply.seq)).toEqual([replies[0].seq, replies[1].seq]);
      expect(first.hasMore).toBe(true);
      const rest = await thread(ada, room.id, root.id, `?after=${first.items[1].seq}&limit=10`);
      expect(rest.items.map((reply) => reply.id)).toEqual(replies.slice(2).map((reply) => reply.id));
      expect(rest.hasMore).toBe(false);
    });

    it('answers 404 to non-members, removed members, and for a message of another conversation; 400 for a bad cursor', async () => {
      const { ada, bob, cy, room } = await threeInAGroup();
      const stranger = await given.user();
      const root = await client.send(ada, room.id, { content: 'root' });
      const url = `/conversations/${room.id}/messages/${root.id}/thread`;
      expect((await client.inject('GET', url, stranger)).statusCode).toBe(404);
      expect((await client.inject('DELETE', `/conversations/${room.id}/members/${cy.id}`, ada)).statusCode).toBe(204);
      expect((await client.inject('GET', url, cy)).statusCode).toBe(404);
      const other = await chat.group(bob);
      expect((await client.inject('GET', `/conversations/${other.id}/messages/${root.id}/thread`, bob)).statusCode).toBe(404);
      const bad = await client.inject('GET', `${url}?after=-1`, bob);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([expect.objectContaining({ field: 'after' })]);
      expect((await client.inject('GET', '/threads', undefined)).statusCode).toBe(401);
    });
  });

  describe('read markers and the threads list', () => {
    it('lists the threads one started, replied in or was mentioned in, with unread replies, newest activity first', async () => {
      const { ada, bob, cy, room } = await threeInAGroup();
      const older = await client.send(ada, room.id, { content: 'older thread' });
      const newer = await client.send(bob, room.id, { content: 'newer thread' });
      await client.send(bob, room.id, { content: 'reply', replyToId: older.id });
      await client.send(bob, room.id, { content: `reply for @${cy.username}`, replyToId: newer.id });
      await client.send(ada, room.id, { content: 'another', replyToId: newer.id });

      const adas = await client.get<ThreadList>(ada, `/threads?conversationId=${room.id}`);
      expect(adas.items.map((item) => [item.root.id, item.replyCount, item.unreadReplies])).toEqual([
        [newer.id, 2, 0],
        [older.id, 1, 1],
      ]);
      const cys = await client.get<ThreadList>(cy, '/threads');
      expect(cys.items.map((item) => [item.root.id, item.unreadReplies])).toEqual([[newer.id, 2]]);
      // Bob started one and replied in the other: neither of his own replies is unread for him.
      const bobs = await client.get<ThreadList>(bob, '/threads');
      expect(bobs.items.map((item) => [item.root.id, item.unreadReplies])).toEqual([
        [newer.id, 1],
        [older.id, 0],
      ]);
    });

    it('pages the threads list with a cursor', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const roots: DepthMessage[] = [];
      for (let n = 0; n < 3; n += 1) {
        const root = await client.send(ada, room.id, { content: `root ${n}` });
        await client.send(bob, room.id, { content: 'reply', replyToId: root.id });
        roots.push(root);
      }
      const first = await client.get<ThreadList>(ada, `/threads?conversationId=${room.id}&limit=2`);
      expect(first.items.map((item) => item.root.id)).toEqual([roots[2].id, roots[1].id]);
      const second = await client.get<ThreadList>(ada, `/threads?conversationId=${room.id}&limit=2&cursor=${first.nextCursor}`);
      expect(second.items.map((item) => item.root.id)).toEqual([roots[0].id]);
      expect(second.nextCursor).toBeNull();
      expect((await client.inject('GET', '/threads?cursor=nonsense', ada)).statusCode).toBe(400);
    });

    it('moves the thread marker forward only, and tells the reader’s other devices with thread.read', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      const replies: DepthMessage[] = [];
      for (let n = 0; n < 3; n += 1) replies.push(await client.send(bob, room.id, { content: `reply ${n}`, replyToId: root.id }));
      const since = await client.cursor(ada);
      const otherDevice = await sockets.connect(app.running.url, (await given.anotherSession(ada)).accessToken);

      expect((await readThread(ada, room.id, root.id, replies[1].seq)).statusCode).toBe(204);
      const { payload } = await otherDevice.next<{ seq: number }>('thread.read');
      expect(payload).toEqual({ conversationId: room.id, rootId: root.id, seq: replies[1].seq });
      expect((await readThread(ada, room.id, root.id, replies[0].seq)).statusCode).toBe(204);
      const list = await client.get<ThreadList>(ada, `/threads?conversationId=${room.id}`);
      expect(list.items[0].unreadReplies).toBe(1);
      // A reply's id moves the marker of its thread; a seq beyond the newest counts as the newest.
      expect((await readThread(ada, room.id, replies[0].id, 10_000)).statusCode).toBe(204);
      expect((await client.get<ThreadList>(ada, `/threads?conversationId=${room.id}`)).items[0].unreadReplies).toBe(0);
      const reads = (await client.syncSince(ada, since)).filter((event) => event.type === 'thread.read');
      expect(reads.map((event) => event.data.seq)).toEqual([replies[1].seq, replies[2].seq]);
    });

    it('refuses bad seqs (400), strangers (404), and a thread read in a direct conversation with a block (403 BLOCKED)', async () => {
      const [ada, bob, stranger] = [await given.user(), await given.user(), await given.user()];
      const direct = await chat.direct(ada, bob);
      const root = await client.send(ada, direct.id, { content: 'root' });
      await client.send(bob, direct.id, { content: 'reply', replyToId: root.id });
      const bad = await readThread(ada, direct.id, root.id, -1);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([expect.objectContaining({ field: 'seq' })]);
      expect((await readThread(ada, direct.id, root.id, 'one')).statusCode).toBe(400);
      expect((await client.inject('POST', `/conversations/${direct.id}/messages/${root.id}/thread/read`, ada, { seq: 1, extra: true })).statusCode).toBe(400);
      expect((await readThread(stranger, direct.id, root.id, 1)).statusCode).toBe(404);
      expect((await readThread(ada, direct.id, randomUUID(), 1)).statusCode).toBe(404);
      expect((await client.inject('GET', `/threads?conversationId=${direct.id}`, stranger)).statusCode).toBe(404);

      expect((await client.inject('PUT', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
      const blocked = await readThread(bob, direct.id, root.id, 2);
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('BLOCKED');
      const reply = await client.inject('POST', `/conversations/${direct.id}/messages`, bob, {
        clientMessageId: randomUUID(),
        content: 'x',
        replyToId: root.id,
      });
      expect(reply.json().code).toBe('BLOCKED');
      // Reading stays allowed: the history is still theirs.
      expect((await thread(bob, direct.id, root.id)).items).toHaveLength(1);
    });

    it('shows a member who left none of the threads of that conversation', async () => {
      const { ada, bob, room } = await threeInAGroup();
      const root = await client.send(ada, room.id, { content: 'root' });
      await client.send(bob, room.id, { content: 'reply', replyToId: root.id });
      expect((await client.get<ThreadList>(bob, '/threads')).items).toHaveLength(1);
      expect((await client.inject('DELETE', `/conversations/${room.id}/members/${bob.id}`, bob)).statusCode).toBe(204);
      expect((await client.get<ThreadList>(bob, '/threads')).items).toEqual([]);
      expect((await readThread(bob, room.id, root.id, 2)).statusCode).toBe(404);
    });
  });
});

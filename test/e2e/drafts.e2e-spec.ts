import { randomUUID } from 'node:crypto';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface Draft {
  conversationId: string;
  threadRootId: string | null;
  content: string;
  updatedAt: string;
}

interface DraftPage {
  items: Draft[];
  nextCursor: string | null;
}

describe('drafts: per conversation and per thread, shared by devices, cleared on send', () => {
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

  const save = (user: GivenUser, conversationId: string, payload: object) => client.inject('PUT', `/conversations/${conversationId}/draft`, user, payload);
  const remove = (user: GivenUser, conversationId: string, query = '') => client.inject('DELETE', `/conversations/${conversationId}/draft${query}`, user);
  const drafts = (user: GivenUser, query = '') => client.get<DraftPage>(user, `/drafts${query}`);

  it('saves a draft, shows it on the conversation, lists it, and tells the other devices', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const since = await client.cursor(ada);
    const otherDevice = await sockets.connect(app.running.url, (await given.anotherSession(ada)).accessToken);
    expect((await save(ada, room.id, { content: 'half a thought ' })).statusCode).toBe(204);
    const { payload, meta } = await otherDevice.next<Draft>('draft.updated');
    expect(payload).toEqual({ conversationId: room.id, threadRootId: null, content: 'half a thought ', updatedAt: expect.any(String) });
    expect((await client.get<{ draft: unknown }>(ada, `/conversations/${room.id}`)).draft).toEqual({
      content: 'half a thought ',
      updatedAt: payload.updatedAt,
    });
    expect((await client.get<{ draft: unknown }>(bob, `/conversations/${room.id}`)).draft).toBeNull();
    expect((await drafts(ada)).items).toEqual([payload]);
    // Saving the same text again changes and announces nothing.
    expect((await save(ada, room.id, { content: 'half a thought ' })).statusCode).toBe(204);
    const events = (await client.syncSince(ada, since)).filter((event) => event.type === 'draft.updated');
    expect(events).toEqual([{ type: 'draft.updated', data: payload, cursor: meta.cursor }]);
  });

  it('keeps one draft per thread besides the conversation’s, and a send clears only its own', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const root = await client.send(bob, room.id, { content: 'root' });
    const reply = await client.send(bob, room.id, { content: 'reply', replyToId: root.id });
    await save(ada, room.id, { content: 'to everyone' });
    await save(ada, room.id, { content: 'to the thread', threadRootId: reply.id });
    expect((await drafts(ada)).items.map((draft) => [draft.threadRootId, draft.content])).toEqual([
      [root.id, 'to the thread'],
      [null, 'to everyone'],
    ]);
    const since = await client.cursor(ada);
    await client.send(ada, room.id, { content: 'to the thread', replyToId: root.id });
    expect((await drafts(ada)).items.map((draft) => draft.threadRootId)).toEqual([null]);
    await client.send(ada, room.id, { content: 'to everyone' });
    expect((await drafts(ada)).items).toEqual([]);
    const cleared = (await client.syncSince(ada, since)).filter((event) => event.type === 'draft.updated');
    expect(cleared.map((event) => [event.data.threadRootId, event.data.content])).toEqual([
      [root.id, null],
      [null, null],
    ]);
  });

  it('deletes idempotently, pages with a cursor and hides the drafts of conversations one left', async () => {
    const ada = await given.user();
    const rooms = [await chat.group(ada), await chat.group(ada), await chat.group(ada)];
    for (const room of rooms) await save(ada, room.id, { content: `draft ${room.id}` });
    const first = await drafts(ada, '?limit=2');
    const second = await drafts(ada, `?limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((draft) => draft.conversationId)).toEqual([rooms[2].id, rooms[1].id, rooms[0].id]);
    expect((await remove(ada, rooms[2].id)).statusCode).toBe(204);
    expect((await remove(ada, rooms[2].id)).statusCode).toBe(204);
    expect((await client.inject('DELETE', `/conversations/${rooms[1].id}/members/${ada.id}`, ada)).statusCode).toBe(204);
    expect((await drafts(ada)).items.map((draft) => draft.conversationId)).toEqual([rooms[0].id]);
  });

  it('refuses strangers and removed members (404) and bad input (400); a block does not stop one’s own drafts', async () => {
    const [ada, bob, stranger] = [await given.user(), await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const other = await client.send(ada, (await chat.group(ada)).id, { content: 'elsewhere' });
    expect((await save(stranger, room.id, { content: 'x' })).statusCode).toBe(404);
    expect((await remove(stranger, room.id)).statusCode).toBe(404);
    for (const [payload, field] of [
      [{ content: '' }, 'content'],
      [{ content: 'x'.repeat(4001) }, 'content'],
      [{}, 'content'],
      [{ content: 'x', threadRootId: 'nope' }, 'threadRootId'],
      [{ content: 'x', threadRootId: other.id }, 'threadRootId'],
      [{ content: 'x', extra: 1 }, 'extra'],
    ] as const) {
      const response = await save(ada, room.id, payload);
      expect([field, response.statusCode]).toEqual([field, 400]);
      expect(response.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect((await remove(ada, room.id, `?threadRootId=${randomUUID()}`)).statusCode).toBe(400);
    expect((await client.inject('PUT', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
    expect((await save(bob, room.id, { content: 'I may still think' })).statusCode).toBe(204);
    expect((await client.inject('GET', '/drafts', undefined)).statusCode).toBe(401);
  });
});

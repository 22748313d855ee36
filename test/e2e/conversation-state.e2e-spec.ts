import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface Conversation {
  id: string;
  muted: boolean;
  mutedUntil: string | null;
  archived: boolean;
  hidden: boolean;
  pinned: boolean;
  notificationLevel: string;
}

interface ConversationPage {
  items: Conversation[];
  nextCursor: string | null;
}

describe('per-user conversation state: mute, archive, hide, pin, notification level', () => {
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

  const patch = (user: GivenUser, conversationId: string, payload: object) => client.inject('PATCH', `/conversations/${conversationId}/me`, user, payload);
  const list = (user: GivenUser, query = '') => client.get<ConversationPage>(user, `/conversations${query}`);
  const ids = (page: ConversationPage) => page.items.map((item) => item.id);

  it('changes only the caller’s own view, and tells the caller’s other devices with conversation.updated', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const since = await client.cursor(ada);
    const otherDevice = await sockets.connect(app.running.url, (await given.anotherSession(ada)).accessToken);
    const response = await patch(ada, room.id, { muted: true, pinned: true, notificationLevel: 'mentions' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: room.id,
      muted: true,
      mutedUntil: null,
      pinned: true,
      archived: false,
      hidden: false,
      notificationLevel: 'mentions',
    });
    const { payload } = await otherDevice.next<Conversation>('conversation.updated', (event) => event.id === room.id && event.muted);
    expect(payload).toMatchObject({ muted: true, pinned: true, notificationLevel: 'mentions' });
    expect(await client.get<Conversation>(bob, `/conversations/${room.id}`)).toMatchObject({ muted: false, pinned: false, notificationLevel: 'all' });
    // The same change again changes and announces nothing.
    expect((await patch(ada, room.id, { muted: true })).statusCode).toBe(200);
    const updates = (await client.syncSince(ada, since)).filter((event) => event.type === 'conversation.updated');
    expect(updates).toHaveLength(1);
    expect((await client.syncSince(bob, since)).filter((event) => event.type === 'conversation.updated')).toEqual([]);
  });

  it('mutes until a time, and unmuting clears it', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await patch(ada, room.id, { mutedUntil: until })).json()).toMatchObject({ muted: true, mutedUntil: until });
    expect((await patch(ada, room.id, { muted: false })).json()).toMatchObject({ muted: false, mutedUntil: null });
  });

  it('refuses bad input with 400 and details', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    for (const [payload, field] of [
      [{ mutedUntil: new Date(Date.now() - 1_000).toISOString() }, 'mutedUntil'],
      [{ mutedUntil: 'tomorrow' }, 'mutedUntil'],
      [{ muted: false, mutedUntil: new Date(Date.now() + 60_000).toISOString() }, 'mutedUntil'],
      [{ notificationLevel: 'loud' }, 'notificationLevel'],
      [{ archived: 'yes' }, 'archived'],
      [{ role: 'owner' }, 'role'],
    ] as const) {
      const response = await patch(ada, room.id, payload);
      expect([JSON.stringify(payload), response.statusCode]).toEqual([JSON.stringify(payload), 400]);
      expect(response.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect((await client.inject('GET', '/conversations?archived=maybe', ada)).statusCode).toBe(400);
  });

  it('answers 404 to strangers and removed members, and works for both sides of a block', async () => {
    const [ada, bob, stranger, cy] = [await given.user(), await given.user(), await given.user(), await given.user()];
    const direct = await chat.direct(ada, bob);
    const room = await chat.group(ada, [cy]);
    expect((await patch(stranger, direct.id, { muted: true })).statusCode).toBe(404);
    expect((await client.inject('DELETE', `/conversations/${room.id}/members/${cy.id}`, ada)).statusCode).toBe(204);
    expect((await patch(cy, room.id, { archived: true })).statusCode).toBe(404);
    expect((await client.inject('PUT', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
    expect((await patch(bob, direct.id, { archived: true })).statusCode).toBe(200);
    expect((await patch(ada, direct.id, { hidden: true })).statusCode).toBe(200);
  });

  it('lists pinned conversations first, archived ones only with ?archived=true, hidden ones in neither', async () => {
    const ada = await given.user();
    const rooms = [];
    for (let n = 0; n < 5; n += 1) rooms.push(await chat.group(ada, [], `room ${n}`));
    const [a, b, c, d, e] = rooms;
    await patch(ada, b.id, { pinned: true });
    await patch(ada, a.id, { pinned: true });
    await patch(ada, c.id, { archived: true });
    await patch(ada, d.id, { hidden: true });
    expect(ids(await list(ada))).toEqual([a.id, b.id, e.id]);
    expect(ids(await list(ada, '?archived=true'))).toEqual([c.id]);
    // Pages across the pinned and the other ones.
    const first = await list(ada, '?limit=1');
    const second = await list(ada, `?limit=1&cursor=${first.nextCursor}`);
    const third = await list(ada, `?limit=1&cursor=${second.nextCursor}`);
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual([a.id, b.id, e.id]);
    expect(third.nextCursor).toBeNull();
    await patch(ada, a.id, { pinned: false });
    expect(ids(await list(ada))).toEqual([b.id, e.id, a.id]);
  });

  it('brings an archived or hidden conversation back when someone else writes, unless muted', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const [archived, hidden, muted] = [await chat.group(ada, [bob], 'archived'), await chat.group(ada, [bob], 'hidden'), await chat.group(ada, [bob], 'muted')];
    await patch(ada, archived.id, { archived: true });
    await patch(ada, hidden.id, { hidden: true });
    await patch(ada, muted.id, { archived: true, muted: true });
    // Her own message brings nothing back.
    await client.send(ada, archived.id, { content: 'note to self' });
    expect(ids(await list(ada, '?archived=true')).sort()).toEqual([archived.id, muted.id].sort());

    const socket = await sockets.connect(app.running.url, ada.accessToken);
    for (const room of [archived, hidden, muted]) await client.send(bob, room.id, { content: 'news' });
    await socket.next<Conversation>('conversation.updated', (event) => event.id === archived.id && !event.archived);
    await socket.next<Conversation>('conversation.updated', (event) => event.id === hidden.id && !event.hidden);
    expect(ids(await list(ada, '?archived=true'))).toEqual([muted.id]);
    expect(ids(await list(ada))).toEqual(expect.arrayContaining([archived.id, hidden.id]));
  });
});

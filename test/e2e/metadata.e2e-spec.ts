import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface MetadataEvent {
  target: string;
  id: string;
  conversationId: string | null;
  metadata: Record<string, unknown>;
}

describe('custom metadata on users, conversations and messages', () => {
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

  const patch = (user: GivenUser | undefined, url: string, payload: unknown) =>
    app.running.app.inject({
      method: 'PATCH',
      url: `/api/v1${url}`,
      headers: { ...(user?.auth ?? {}), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  it('merges keys into the user’s metadata, null deleting one, shows it on /users/me and tells the user’s devices', async () => {
    const ada = await given.user();
    const since = await client.cursor(ada);
    const device = await sockets.connect(app.running.url, ada.accessToken);
    const first = await patch(ada, '/users/me/metadata', { 'crm.id': 'A-1', tier: 'gold', nested: { a: [1, 2] } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ 'crm.id': 'A-1', tier: 'gold', nested: { a: [1, 2] } });
    const second = await patch(ada, '/users/me/metadata', { tier: null, 'crm.id': 'A-2' });
    expect(second.json()).toEqual({ 'crm.id': 'A-2', nested: { a: [1, 2] } });
    expect((await client.get<{ metadata: unknown }>(ada, '/users/me')).metadata).toEqual({ 'crm.id': 'A-2', nested: { a: [1, 2] } });
    await device.next<MetadataEvent>('metadata.updated', (event) => event.metadata['crm.id'] === 'A-2');
    // Setting what is already there changes and announces nothing.
    expect((await patch(ada, '/users/me/metadata', { 'crm.id': 'A-2' })).statusCode).toBe(200);
    const events = (await client.syncSince(ada, since)).filter((event) => event.type === 'metadata.updated');
    expect(events.map((event) => event.data)).toEqual([
      { target: 'user', id: ada.id, conversationId: null, metadata: { 'crm.id': 'A-1', tier: 'gold', nested: { a: [1, 2] } } },
      { target: 'user', id: ada.id, conversationId: null, metadata: { 'crm.id': 'A-2', nested: { a: [1, 2] } } },
    ]);
  });

  it('keeps keys that look privileged as plain metadata: they change nothing else', async () => {
    const ada = await given.user();
    const response = await patch(ada, '/users/me/metadata', { role: 'admin', banned: false, id: 'x', email: 'boss@example.test' });
    expect(response.json()).toEqual({ role: 'admin', banned: false, id: 'x', email: 'boss@example.test' });
    const me = await client.get<{ id: string; role: string; email: string }>(ada, '/users/me');
    expect(me).toMatchObject({ id: ada.id, role: 'user', email: ada.email });
  });

  it('refuses bad keys, non-objects and more than 8 KiB with 400 and details', async () => {
    const ada = await given.user();
    for (const [payload, field] of [
      [{ 'has space': 1 }, 'has space'],
      [{ ['k'.repeat(65)]: 1 }, 'k'.repeat(65)],
      [[1, 2], 'metadata'],
      [{ big: 'x'.repeat(8200) }, 'metadata'],
      [{ nul: 'a\u0000b' }, 'nul'],
      [{ lone: '\ud833' }, 'lone'],
      [{ deep: { ['x\u0000']: 1 } }, 'deep'],
    ] as const) {
      const response = await patch(ada, '/users/me/metadata', payload);
      expect([field, response.statusCode]).toEqual([field, 400]);
      expect(response.json().details).toEqual([expect.objectContaining({ field })]);
    }
    // Many small keys add up too.
    expect((await patch(ada, '/users/me/metadata', { a: 'x'.repeat(5000) })).statusCode).toBe(200);
    expect((await patch(ada, '/users/me/metadata', { b: 'x'.repeat(5000) })).statusCode).toBe(400);
    expect((await patch(undefined, '/users/me/metadata', { a: 1 })).statusCode).toBe(401);
  });

  it('lets owners and admins set a group’s metadata (403 for members, 404 for strangers), shown on the conversation and announced to the room', async () => {
    const [owner, member, stranger] = [await given.user(), await given.user(), await given.user()];
    const room = await chat.group(owner, [member]);
    const socket = await sockets.connect(app.running.url, member.accessToken);
    const response = await patch(owner, `/conversations/${room.id}/metadata`, { topic: 'release' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ topic: 'release' });
    const { payload } = await socket.next<MetadataEvent>('metadata.updated', (event) => event.id === room.id);
    expect(payload).toEqual({ target: 'conversation', id: room.id, conversationId: room.id, metadata: { topic: 'release' } });
    expect((await client.get<{ metadata: unknown }>(member, `/conversations/${room.id}`)).metadata).toEqual({ topic: 'release' });
    expect((await patch(member, `/conversations/${room.id}/metadata`, { topic: 'mine' })).statusCode).toBe(403);
    expect((await patch(stranger, `/conversations/${room.id}/metadata`, { topic: 'mine' })).statusCode).toBe(404);
    expect((await client.inject('DELETE', `/conversations/${room.id}/members/${member.id}`, owner)).statusCode).toBe(204);
    expect((await patch(member, `/conversations/${room.id}/metadata`, { topic: 'mine' })).statusCode).toBe(404);
  });

  it('lets either member of a direct conversation set its metadata, unless one blocked the other (403 BLOCKED)', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const direct = await chat.direct(ada, bob);
    expect((await patch(bob, `/conversations/${direct.id}/metadata`, { x: 1 })).statusCode).toBe(200);
    expect((await client.inject('PUT', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
    const blocked = await patch(bob, `/conversations/${direct.id}/metadata`, { x: 2 });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('BLOCKED');
  });

  it('lets the sender set a message’s metadata, shown in history and /sync, 403 for others, 409 for a tombstone', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const message = await client.send(ada, room.id, { content: 'tagged' });
    const since = await client.cursor(bob);
    const url = `/conversations/${room.id}/messages/${message.id}/metadata`;
    expect((await patch(ada, url, { label: 'todo' })).json()).toEqual({ label: 'todo' });
    const history = await client.get<{ items: Array<{ id: string; metadata: unknown }> }>(bob, `/conversations/${room.id}/messages`);
    expect(history.items.find((item) => item.id === message.id)?.metadata).toEqual({ label: 'todo' });
    const events = await client.syncSince(bob, since);
    expect(events.map((event) => event.type)).toContain('metadata.updated');
    expect((await patch(bob, url, { label: 'mine' })).statusCode).toBe(403);
    expect((await patch(ada, url, { 'bad key': 1 })).statusCode).toBe(400);
    expect((await client.inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, ada)).statusCode).toBe(204);
    expect((await patch(ada, url, { label: 'late' })).statusCode).toBe(409);
  });
});

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

describe('custom metadata on members', () => {
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

  const patch = (user: GivenUser | undefined, conversationId: string, userId: string, payload: unknown) =>
    app.running.app.inject({
      method: 'PATCH',
      url: `/api/v1/conversations/${conversationId}/members/${userId}/metadata`,
      headers: { ...(user?.auth ?? {}), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  const metadataOf = async (viewer: GivenUser, conversationId: string, userId: string) =>
    (await client.get<{ members: Array<{ user: { id: string }; metadata: unknown }> }>(viewer, `/conversations/${conversationId}`)).members.find(
      (member) => member.user.id === userId,
    )!.metadata;

  it('lets a member merge keys into their own, shows it on member payloads and tells the room once per change', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const room = await chat.group(ada, [bob]);
    const since = await client.cursor(ada);
    const watcher = await sockets.connect(app.running.url, ada.accessToken);
    const first = await patch(bob, room.id, bob.id, { seat: '12A', 'team.role': 'scribe' });
    expect([first.statusCode, first.json()]).toEqual([200, { seat: '12A', 'team.role': 'scribe' }]);
    const second = await patch(bob, room.id, bob.id, { seat: null });
    expect(second.json()).toEqual({ 'team.role': 'scribe' });
    expect(await metadataOf(ada, room.id, bob.id)).toEqual({ 'team.role': 'scribe' });
    expect(await metadataOf(ada, room.id, ada.id)).toEqual({});
    await watcher.next<MetadataEvent>('metadata.updated', (event) => event.target === 'member' && !('seat' in event.metadata));
    // The same again changes and announces nothing.
    expect((await patch(bob, room.id, bob.id, { 'team.role': 'scribe' })).statusCode).toBe(200);
    const events = (await client.syncSince(ada, since)).filter((event) => event.type === 'metadata.updated');
    expect(events.map((event) => event.data)).toEqual([
      { target: 'member', id: bob.id, conversationId: room.id, metadata: { seat: '12A', 'team.role': 'scribe' } },
      { target: 'member', id: bob.id, conversationId: room.id, metadata: { 'team.role': 'scribe' } },
    ]);
  });

  it("lets the owner set anyone's and an admin a plain member's; refuses the rest", async () => {
    const [ada, bob, cy, dee, stranger, gone] = await Promise.all([given.user(), given.user(), given.user(), given.user(), given.user(), given.user()]);
    const room = await chat.group(ada, [bob, cy, dee, gone]);
    for (const admin of [bob, dee]) await client.inject('PATCH', `/conversations/${room.id}/members/${admin.id}`, ada, { role: 'admin' });
    await client.inject('DELETE', `/conversations/${room.id}/members/${gone.id}`, ada);

    expect((await patch(ada, room.id, bob.id, { badge: 'mod' })).statusCode).toBe(200);
    expect((await patch(bob, room.id, cy.id, { badge: 'new' })).statusCode).toBe(200);
    expect((await patch(bob, room.id, dee.id, { badge: 'x' })).statusCode).toBe(403);
    expect((await patch(bob, room.id, ada.id, { badge: 'x' })).statusCode).toBe(403);
    expect((await patch(cy, room.id, bob.id, { badge: 'x' })).statusCode).toBe(403);
    expect((await patch(stranger, room.id, cy.id, { badge: 'x' })).statusCode).toBe(404);
    expect((await patch(gone, room.id, gone.id, { badge: 'x' })).statusCode).toBe(404);
    expect((await patch(ada, room.id, gone.id, { badge: 'x' })).statusCode).toBe(404);
    expect((await patch(undefined, room.id, cy.id, { badge: 'x' })).statusCode).toBe(401);
    for (const body of [[1], { 'bad key': 1 }, { big: 'x'.repeat(8200) }]) expect((await patch(cy, room.id, cy.id, body)).statusCode).toBe(400);
    expect(await metadataOf(cy, room.id, cy.id)).toEqual({ badge: 'new' });
  });

  it('in a direct conversation: only one’s own, and not while a block stands', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const direct = await chat.direct(ada, bob);
    expect((await patch(ada, direct.id, ada.id, { nickname: 'A' })).statusCode).toBe(200);
    expect((await patch(ada, direct.id, bob.id, { nickname: 'B' })).statusCode).toBe(403);
    await client.inject('PUT', `/users/${ada.id}/block`, bob);
    const blocked = await patch(ada, direct.id, ada.id, { nickname: 'A2' });
    expect([blocked.statusCode, blocked.json().code]).toEqual([403, 'BLOCKED']);
  });
});

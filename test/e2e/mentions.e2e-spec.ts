import { randomUUID } from 'node:crypto';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient, type DepthMessage } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface MessagePage {
  items: DepthMessage[];
  nextCursor: string | null;
}

describe('mentions: @username and @all, the mention event, unread mentions and the mentions list', () => {
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

  const unreadMentions = async (user: GivenUser, conversationId: string) =>
    (await client.get<{ unreadMentions: number }>(user, `/conversations/${conversationId}`)).unreadMentions;
  const mentionsOf = (user: GivenUser, query = '') => client.get<MessagePage>(user, `/mentions${query}`);

  async function aGroup() {
    const [owner, admin, bob, cy] = [await given.user(), await given.user(), await given.user(), await given.user()];
    const room = await chat.group(owner, [admin, bob, cy]);
    await client.inject('PATCH', `/conversations/${room.id}/members/${admin.id}`, owner, { role: 'admin' });
    return { owner, admin, bob, cy, room };
  }

  it('mentions members named with @username (any case), not strangers, emails, unknown names or the sender', async () => {
    const { owner, bob, cy, room } = await aGroup();
    const stranger = await given.user();
    const message = await client.send(owner, room.id, {
      content: `@${bob.username.toUpperCase()} and @${cy.username}, cc @${stranger.username} @nobody_here x@${cy.username} @${owner.username}`,
    });
    expect([...message.mentions].sort()).toEqual([bob.id, cy.id].sort());
    const history = await client.get<{ items: DepthMessage[] }>(bob, `/conversations/${room.id}/messages`);
    expect(history.items.find((item) => item.id === message.id)?.mentions.sort()).toEqual([bob.id, cy.id].sort());
  });

  it('sends mention to the mentioned user’s room, with a cursor, and in their /sync', async () => {
    const { owner, bob, cy, room } = await aGroup();
    const since = await client.cursor(bob);
    const bobSocket = await sockets.connect(app.running.url, bob.accessToken);
    const cySocket = await sockets.connect(app.running.url, cy.accessToken);
    const message = await client.send(owner, room.id, { content: `hey @${bob.username}` });
    const { payload, meta } = await bobSocket.next<{ messageId: string }>('mention', (event) => event.messageId === message.id);
    expect(payload).toEqual({ conversationId: room.id, messageId: message.id });
    await cySocket.next('message.created', (event: { id: string }) => event.id === message.id);
    expect(cySocket.all('mention')).toEqual([]);
    const events = (await client.syncSince(bob, since)).filter((event) => event.type === 'mention');
    expect(events).toEqual([{ type: 'mention', data: payload, cursor: meta.cursor }]);
  });

  it('lets owners and admins mention everyone with @all in a group; from a plain member @all is text', async () => {
    const { owner, admin, bob, cy, room } = await aGroup();
    const fromOwner = await client.send(owner, room.id, { content: '@all standup' });
    expect([...fromOwner.mentions].sort()).toEqual([admin.id, bob.id, cy.id].sort());
    const fromAdmin = await client.send(admin, room.id, { content: 'hello @all' });
    expect([...fromAdmin.mentions].sort()).toEqual([owner.id, bob.id, cy.id].sort());
    const fromMember = await client.send(bob, room.id, { content: '@all look' });
    expect(fromMember.mentions).toEqual([]);
    const direct = await chat.direct(owner, bob);
    expect((await client.send(owner, direct.id, { content: '@all' })).mentions).toEqual([]);
    expect((await client.send(owner, direct.id, { content: `@${bob.username}` })).mentions).toEqual([bob.id]);
  });

  it('counts unread mentions above the read marker, and the read marker clears them', async () => {
    const { owner, bob, room } = await aGroup();
    await client.send(owner, room.id, { content: `one @${bob.username}` });
    await client.send(owner, room.id, { content: 'nothing' });
    const last = await client.send(owner, room.id, { content: `two @${bob.username}` });
    expect(await unreadMentions(bob, room.id)).toBe(2);
    const listed = await client.get<{ items: Array<{ id: string; unreadMentions: number }> }>(bob, '/conversations');
    expect(listed.items.find((item) => item.id === room.id)?.unreadMentions).toBe(2);
    expect(await unreadMentions(owner, room.id)).toBe(0);
    await client.inject('POST', `/conversations/${room.id}/read`, bob, { seq: last.seq - 1 });
    expect(await unreadMentions(bob, room.id)).toBe(1);
    await client.inject('POST', `/conversations/${room.id}/read`, bob, { seq: last.seq });
    expect(await unreadMentions(bob, room.id)).toBe(0);
  });

  it('recomputes mentions on edit (a newly mentioned user gets mention) and drops them on delete', async () => {
    const { owner, bob, cy, room } = await aGroup();
    const cySocket = await sockets.connect(app.running.url, cy.accessToken);
    const message = await client.send(owner, room.id, { content: `@${bob.username}` });
    const edited = await client.inject('PATCH', `/conversations/${room.id}/messages/${message.id}`, owner, { content: `sorry, @${cy.username}` });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().mentions).toEqual([cy.id]);
    await cySocket.next('mention', (event: { messageId: string }) => event.messageId === message.id);
    expect(await unreadMentions(bob, room.id)).toBe(0);
    expect((await mentionsOf(cy)).items.map((item) => item.id)).toEqual([message.id]);
    expect((await mentionsOf(bob)).items).toEqual([]);

    expect((await client.inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, owner)).statusCode).toBe(204);
    expect(await unreadMentions(cy, room.id)).toBe(0);
    expect((await mentionsOf(cy)).items).toEqual([]);
    const history = await client.get<{ items: DepthMessage[] }>(cy, `/conversations/${room.id}/messages`);
    expect(history.items.find((item) => item.id === message.id)?.mentions).toEqual([]);
  });

  it('lists mentions of me newest first, pages them, and hides those of conversations I left', async () => {
    const { owner, bob, room } = await aGroup();
    const other = await chat.group(owner, [bob]);
    const sent: DepthMessage[] = [];
    for (const conversation of [room, other, room]) sent.push(await client.send(owner, conversation.id, { content: `ping @${bob.username}` }));
    const first = await mentionsOf(bob, '?limit=2');
    expect(first.items.map((item) => item.id)).toEqual([sent[2].id, sent[1].id]);
    const second = await mentionsOf(bob, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((item) => item.id)).toEqual([sent[0].id]);
    expect(second.nextCursor).toBeNull();
    expect((await client.inject('DELETE', `/conversations/${room.id}/members/${bob.id}`, bob)).statusCode).toBe(204);
    expect((await mentionsOf(bob)).items.map((item) => item.id)).toEqual([sent[1].id]);
    expect((await client.inject('GET', '/mentions?limit=0', bob)).statusCode).toBe(400);
    expect((await client.inject('GET', '/mentions?cursor=bad', bob)).statusCode).toBe(400);
    expect((await client.inject('GET', '/mentions', undefined)).statusCode).toBe(401);
  });

  it('never mentions across a block: neither whom the sender blocked nor who blocked the sender', async () => {
    const { owner, bob, cy, room } = await aGroup();
    expect((await client.inject('PUT', `/users/${owner.id}/block`, bob)).statusCode).toBe(204);
    expect((await client.inject('PUT', `/users/${cy.id}/block`, owner)).statusCode).toBe(204);
    const message = await client.send(owner, room.id, { content: `@${bob.username} @${cy.username} @all` });
    expect(message.mentions).not.toContain(bob.id);
    expect(message.mentions).not.toContain(cy.id);
    expect(message.mentions).toHaveLength(1);
    expect(await unreadMentions(bob, room.id)).toBe(0);
  });

  it('puts the people a thread reply mentions in the thread', async () => {
    const { owner, bob, cy, room } = await aGroup();
    const root = await client.send(owner, room.id, { content: 'root' });
    await client.send(bob, room.id, { content: `@${cy.username} have a look`, replyToId: root.id, clientMessageId: randomUUID() });
    const threads = await client.get<{ items: Array<{ root: { id: string }; unreadReplies: number }> }>(cy, '/threads');
    expect(threads.items.map((item) => [item.root.id, item.unreadReplies])).toEqual([[root.id, 1]]);
  });
});

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

interface AroundPage {
  items: DepthMessage[];
  hasMore: boolean;
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

describe('pins and jumping to a message', () => {
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

  const pin = (user: GivenUser | undefined, conversationId: string, messageId: string) =>
    client.inject('PUT', `/conversations/${conversationId}/pins/${messageId}`, user);
  const unpin = (user: GivenUser, conversationId: string, messageId: string) =>
    client.inject('DELETE', `/conversations/${conversationId}/pins/${messageId}`, user);
  const pins = (user: GivenUser, conversationId: string, query = '') => client.get<MessagePage>(user, `/conversations/${conversationId}/pins${query}`);

  async function aGroup() {
    const [owner, admin, member] = [await given.user(), await given.user(), await given.user()];
    const room = await chat.group(owner, [admin, member]);
    await client.inject('PATCH', `/conversations/${room.id}/members/${admin.id}`, owner, { role: 'admin' });
    return { owner, admin, member, room };
  }

  describe('pins', () => {
    it('lets owners and admins pin in a group (403 for members), listing the most recently pinned first', async () => {
      const { owner, admin, member, room } = await aGroup();
      const [a, b] = [await client.send(member, room.id, { content: 'a' }), await client.send(member, room.id, { content: 'b' })];
      expect((await pin(owner, room.id, a.id)).statusCode).toBe(204);
      expect((await pin(admin, room.id, b.id)).statusCode).toBe(204);
      const refused = await pin(member, room.id, a.id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('FORBIDDEN');
      const list = await pins(member, room.id);
      expect(list.items.map((item) => item.id)).toEqual([b.id, a.id]);
      expect(list.items[0].pinnedAt).toEqual(expect.any(String));
      const page = await pins(member, room.id, '?limit=1');
      expect(page.items.map((item) => item.id)).toEqual([b.id]);
      expect((await pins(member, room.id, `?limit=1&cursor=${page.nextCursor}`)).items.map((item) => item.id)).toEqual([a.id]);
      expect((await unpin(member, room.id, a.id)).statusCode).toBe(403);
      expect((await unpin(admin, room.id, a.id)).statusCode).toBe(204);
      expect((await pins(owner, room.id)).items.map((item) => item.id)).toEqual([b.id]);
      const history = await client.get<{ items: DepthMessage[] }>(member, `/conversations/${room.id}/messages`);
      expect(history.items.map((item) => [item.id, item.pinnedAt !== null])).toEqual([
        [a.id, false],
        [b.id, true],
      ]);
    });

    it('is idempotent: pinning twice or unpinning what is not pinned answers 204 and announces nothing more', async () => {
      const { owner, member, room } = await aGroup();
      const message = await client.send(member, room.id, { content: 'pin me' });
      const since = await client.cursor(member);
      const socket = await sockets.connect(app.running.url, member.accessToken);
      expect((await pin(owner, room.id, message.id)).statusCode).toBe(204);
      const first = (await pins(owner, room.id)).items[0].pinnedAt;
      expect((await pin(owner, room.id, message.id)).statusCode).toBe(204);
      expect((await pins(owner, room.id)).items[0].pinnedAt).toBe(first);
      expect((await unpin(owner, room.id, message.id)).statusCode).toBe(204);
      expect((await unpin(owner, room.id, message.id)).statusCode).toBe(204);
      const { payload, meta } = await socket.next<{ pinned: boolean }>('pin.updated', (event) => !event.pinned);
      expect(payload).toEqual({ conversationId: room.id, messageId: message.id, pinned: false, pinnedAt: null });
      const events = (await client.syncSince(member, since)).filter((event) => event.type === 'pin.updated');
      expect(events.map((event) => event.data.pinned)).toEqual([true, false]);
      expect(events[1].cursor).toBe(meta.cursor);
    });

    it('lets either member pin in a direct conversation, unless one blocked the other (403 BLOCKED)', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const direct = await chat.direct(ada, bob);
      const message = await client.send(ada, direct.id, { content: 'remember this' });
      expect((await pin(bob, direct.id, message.id)).statusCode).toBe(204);
      expect((await unpin(ada, direct.id, message.id)).statusCode).toBe(204);
      expect((await client.inject('PUT', `/users/${ada.id}/block`, bob)).statusCode).toBe(204);
      const blocked = await pin(ada, direct.id, message.id);
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('BLOCKED');
    });

    it('answers 404 to strangers, removed members and for unknown messages; 409 for a tombstone, which a delete unpins', async () => {
      const { owner, member, room } = await aGroup();
      const stranger = await given.user();
      const message = await client.send(owner, room.id, { content: 'pinned then deleted' });
      expect((await pin(stranger, room.id, message.id)).statusCode).toBe(404);
      expect((await client.inject('GET', `/conversations/${room.id}/pins`, stranger)).statusCode).toBe(404);
      expect((await pin(owner, room.id, randomUUID())).statusCode).toBe(404);
      expect((await pin(owner, room.id, 'not-a-uuid')).statusCode).toBe(400);
      expect((await pin(undefined, room.id, message.id)).statusCode).toBe(401);
      expect((await client.inject('DELETE', `/conversations/${room.id}/members/${member.id}`, owner)).statusCode).toBe(204);
      expect((await client.inject('GET', `/conversations/${room.id}/pins`, member)).statusCode).toBe(404);

      expect((await pin(owner, room.id, message.id)).statusCode).toBe(204);
      const since = await client.cursor(owner);
      expect((await client.inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, owner)).statusCode).toBe(204);
      expect((await pins(owner, room.id)).items).toEqual([]);
      expect((await pin(owner, room.id, message.id)).statusCode).toBe(409);
      const events = (await client.syncSince(owner, since)).map((event) => [event.type, event.data.pinned]);
      expect(events).toContainEqual(['pin.updated', false]);
    });
  });

  describe('jump to a message (?around=seq)', () => {
    async function fiftyMessages() {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      await chat.bulkMessages(ada, room, 50);
      return { ada, bob, room };
    }

    it('answers a page centred on the seq, with hasMoreBefore and hasMoreAfter', async () => {
      const { bob, room } = await fiftyMessages();
      const page = await client.get<AroundPage>(bob, `/conversations/${room.id}/messages?around=25&limit=10`);
      expect(page.items.map((item) => item.seq)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
      expect(page).toMatchObject({ hasMore: true, hasMoreBefore: true, hasMoreAfter: true });
    });

    it('stops at either end of the history, filling the page from the other side', async () => {
      const { bob, room } = await fiftyMessages();
      const start = await client.get<AroundPage>(bob, `/conversations/${room.id}/messages?around=2&limit=10`);
      expect(start.items.map((item) => item.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(start).toMatchObject({ hasMoreBefore: false, hasMoreAfter: true });
      const end = await client.get<AroundPage>(bob, `/conversations/${room.id}/messages?around=50&limit=4`);
      expect(end.items.map((item) => item.seq)).toEqual([47, 48, 49, 50]);
      expect(end).toMatchObject({ hasMore: true, hasMoreBefore: true, hasMoreAfter: false });
      const beyond = await client.get<AroundPage>(bob, `/conversations/${room.id}/messages?around=500&limit=4`);
      expect(beyond.items.map((item) => item.seq)).toEqual([47, 48, 49, 50]);
    });

    it('refuses around with another cursor or a bad value (400), and strangers (404)', async () => {
      const { ada, room } = await fiftyMessages();
      const stranger = await given.user();
      const both = await client.inject('GET', `/conversations/${room.id}/messages?around=5&after=2`, ada);
      expect(both.statusCode).toBe(400);
      expect(both.json().details).toEqual([expect.objectContaining({ field: 'around' })]);
      expect((await client.inject('GET', `/conversations/${room.id}/messages?around=0`, ada)).statusCode).toBe(400);
      expect((await client.inject('GET', `/conversations/${room.id}/messages?around=abc`, ada)).statusCode).toBe(400);
      expect((await client.inject('GET', `/conversations/${room.id}/messages?around=5`, stranger)).statusCode).toBe(404);
    });
  });
});

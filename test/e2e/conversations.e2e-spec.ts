import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { MEMBERSHIP_CHANGED, type MembershipChanged } from '../../src/memberships/membership.events.js';
import { ConversationsRepository } from '../../src/memberships/conversations.repository.js';
import { EventLog } from '../../src/events/event-log.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { mediaClient } from '../support/media.js';
import { image } from '../support/media-samples.js';
import { useTestApp } from '../support/use-test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface ConversationBody {
  id: string;
  type: string;
  title: string | null;
  lastSeq: number;
  lastMessage: { seq: number; content: string } | null;
  unreadCount: number;
  myRole: string;
  memberCount: number;
  members?: Array<{ user: { id: string }; role: string; lastReadSeq: number; lastDeliveredSeq: number }>;
}

describe('conversations: direct and group, members, roles, markers', () => {
  const app = useTestApp();
  let given: Given;
  let chat: ChatGiven;
  let database: DataSource;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    database = app.running.app.get(DataSource);
  });

  const inject = (method: Method, url: string, user: GivenUser | undefined, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  const get = async (user: GivenUser, id: string): Promise<ConversationBody> => {
    const response = await inject('GET', `/conversations/${id}`, user);
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  const list = async (user: GivenUser, query = ''): Promise<{ items: ConversationBody[]; nextCursor: string | null }> => {
    const response = await inject('GET', `/conversations${query}`, user);
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  const roleOf = (conversation: ConversationBody, user: GivenUser) => conversation.members?.find((member) => member.user.id === user.id)?.role;

  /** Domain events emitted while `action` runs. */
  async function membershipChanges(action: () => Promise<unknown>): Promise<MembershipChanged[]> {
    const seen: MembershipChanged[] = [];
    const emitter = app.running.app.get(EventEmitter2);
    const listener = (change: MembershipChanged) => seen.push(change);
    emitter.on(MEMBERSHIP_CHANGED, listener);
    try {
      await action();
    } finally {
      emitter.off(MEMBERSHIP_CHANGED, listener);
    }
    return seen;
  }

  const eventsOf = async (where: string, parameters: unknown[]) => {
    await app.running.app.get(EventLog).flush();
    return database.query(`SELECT type, user_id, conversation_id, data FROM chat_event WHERE ${where} ORDER BY position`, parameters);
  };

  describe('direct', () => {
    it('opens one direct conversation per pair: 201, then 200 with the same one from either side', async () => {
      const [ada, bob] = [await given.user(), await given.user({ displayName: 'Bob' })];
      const created = await inject('POST', '/conversations', ada, { type: 'direct', userId: bob.id });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        type: 'direct',
        title: null,
        lastSeq: 0,
        lastMessage: null,
        unreadCount: 0,
        myRole: 'member',
        memberCount: 2,
        createdAt: expect.stringMatching(/Z$/),
      });
      expect(
        created
          .json()
          .members.map((member: { user: { id: string; displayName: string } }) => member.user.id)
          .sort(),
      ).toEqual([ada.id, bob.id].sort());
      expect(created.json().members.find((member: { user: { id: string } }) => member.user.id === bob.id).user).toMatchObject({
        displayName: 'Bob',
        presence: { online: false },
      });
      expect(created.json().members[0].user).not.toHaveProperty('email');
      const again = await inject('POST', '/conversations', bob, { type: 'direct', userId: ada.id });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(created.json().id);
    });

    it("shows each member's avatar in the members' profiles", async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const avatar = await mediaClient(app.running).uploaded(bob, await image.png(), 'me.png');
      expect((await inject('PATCH', '/users/me', bob, { avatarMediaId: avatar.id })).statusCode).toBe(200);
      const room = await chat.direct(ada, bob);
      const members = (await get(ada, room.id)).members as unknown as Array<{ user: { id: string; avatar: { id: string } | null } }>;
      expect(members.find((member) => member.user.id === bob.id)?.user.avatar).toMatchObject({ id: avatar.id, mimeType: 'image/png' });
      expect(members.find((member) => member.user.id === ada.id)?.user.avatar).toBeNull();
    });

    it('makes exactly one conversation when both users open it at once, five times each', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, n) => inject('POST', '/conversations', n % 2 ? ada : bob, { type: 'direct', userId: n % 2 ? bob.id : ada.id })),
      );
      expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((response) => response.json().id)).size).toBe(1);
      const [{ count }] = await database.query(
        `SELECT count(*)::int AS count FROM conversation c WHERE c.type = 'direct'
            AND EXISTS (SELECT 1 FROM conversation_member m WHERE m.conversation_id = c.id AND m.user_id = $1)
            AND EXISTS (SELECT 1 FROM conversation_member m WHERE m.conversation_id = c.id AND m.user_id = $2)`,
        [ada.id, bob.id],
      );
      expect(count).toBe(1);
    });

    it('refuses a direct conversation with yourself (400), with nobody (404), and across a block either way (403 BLOCKED)', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const self = await inject('POST', '/conversations', ada, { type: 'direct', userId: ada.id });
      expect(self.statusCode).toBe(400);
      expect(self.json().details).toEqual([{ field: 'userId', message: expect.any(String) }]);
      expect((await inject('POST', '/conversations', ada, { type: 'direct', userId: randomUUID() })).statusCode).toBe(404);
      await inject('PUT' as Method, `/users/${ada.id}/block`, bob);
      for (const [from, to] of [
        [ada, bob],
        [bob, ada],
      ]) {
        const blocked = await inject('POST', '/conversations', from, { type: 'direct', userId: to.id });
        expect(blocked.statusCode).toBe(403);
        expect(blocked.json().code).toBe('BLOCKED');
      }
      expect((await inject('POST', '/conversations', ada, { type: 'direct', userId: cy.id })).statusCode).toBe(201);
    });

    it('allows no title, roles or member changes in a direct conversation', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const attempts: Array<[Method, string, object?]> = [
        ['PATCH', `/conversations/${room.id}`, { title: 'Us' }],
        ['POST', `/conversations/${room.id}/members`, { userIds: [cy.id] }],
        ['PATCH', `/conversations/${room.id}/members/${bob.id}`, { role: 'admin' }],
        ['DELETE', `/conversations/${room.id}/members/${bob.id}`],
        ['DELETE', `/conversations/${room.id}/members/${ada.id}`],
      ];
      for (const [method, url, payload] of attempts) {
        const response = await inject(method, url, ada, payload);
        expect(response.statusCode).toBe(403);
        expect(response.json().code).toBe('FORBIDDEN');
      }
      expect((await get(ada, room.id)).memberCount).toBe(2);
    });
  });

  describe('groups', () => {
    it('creates a group with the creator as owner and the others as members, announcing it to each', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      let id = '';
      const changes = await membershipChanges(async () => {
        const response = await inject('POST', '/conversations', ada, { type: 'group', title: '  Plans  ', memberIds: [bob.id, cy.id, ada.id] });
        expect(response.statusCode).toBe(201);
        id = response.json().id;
        expect(response.json()).toMatchObject({ type: 'group', title: 'Plans', myRole: 'owner', memberCount: 3 });
        expect(response.json().members.map((member: { role: string }) => member.role)).toEqual(['owner', 'member', 'member']);
      });
      expect(changes).toEqual([{ conversationId: id, addedUserIds: [ada.id, bob.id, cy.id], removedUserIds: [] }]);
      const events = await eventsOf(`type = 'conversation.updated' AND data->>'id' = $1`, [id]);
      expect(events.map((event: { user_id: string }) => event.user_id).sort()).toEqual([ada.id, bob.id, cy.id].sort());
      const bobs = events.find((event: { user_id: string }) => event.user_id === bob.id);
      expect(bobs).toMatchObject({ conversation_id: null, data: { id, myRole: 'member', memberCount: 3, unreadCount: 0 } });
      expect((await get(bob, id)).myRole).toBe('member');
    });

    it('refuses a group without a title, a title over 100 characters, duplicate or unknown members, and direct fields', async () => {
      const ada = await given.user();
      const bob = await given.user();
      const cases: Array<[object, string]> = [
        [{ type: 'group', memberIds: [] }, 'title'],
        [{ type: 'group', title: '   ', memberIds: [] }, 'title'],
        [{ type: 'group', title: 'x'.repeat(101) }, 'title'],
        [{ type: 'group', title: 'Dupes', memberIds: [bob.id, bob.id] }, 'memberIds'],
        [{ type: 'group', title: 'Ghosts', memberIds: [randomUUID()] }, 'memberIds'],
        [{ type: 'group', title: 'Mixed', userId: bob.id }, 'userId'],
        [{ type: 'direct', userId: bob.id, title: 'No' }, 'title'],
        [{ type: 'channel', title: 'No' }, 'type'],
        [{}, 'type'],
      ];
      for (const [payload, field] of cases) {
        const response = await inject('POST', '/conversations', ada, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json().code).toBe('VALIDATION_FAILED');
        expect(response.json().details.map((detail: { field: string }) => detail.field)).toContain(field);
      }
    });

    it('lets an owner or admin rename a group, not a member (403), and announces the new title', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy], 'Old');
      const renamed = await inject('PATCH', `/conversations/${room.id}`, ada, { title: 'New' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json().title).toBe('New');
      const denied = await inject('PATCH', `/conversations/${room.id}`, bob, { title: 'Mine' });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe('FORBIDDEN');
      await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'admin' });
      expect((await inject('PATCH', `/conversations/${room.id}`, bob, { title: 'By admin' })).json().title).toBe('By admin');
      expect((await inject('PATCH', `/conversations/${room.id}`, bob, { title: '' })).statusCode).toBe(400);
      const events = await eventsOf(`type = 'conversation.updated' AND user_id = $1 AND data->>'id' = $2`, [cy.id, room.id]);
      // Bob's promotion changed nothing in cy's view: cy hears it once, in the room, as `member.updated`.
      expect(events.map((event: { data: { title: string } }) => event.data.title)).toEqual(['Old', 'New', 'By admin']);
      const promoted = await eventsOf(`type = 'member.updated' AND conversation_id = $1`, [room.id]);
      expect(promoted.map((event: { data: object }) => event.data)).toEqual([
        { conversationId: room.id, userId: bob.id, role: 'admin', moderationMuted: false, moderationMutedUntil: null },
      ]);
      const bobs = await eventsOf(`type = 'conversation.updated' AND user_id = $1 AND data->>'id' = $2`, [bob.id, room.id]);
      expect(bobs.map((event: { data: { myRole: string } }) => event.data.myRole)).toEqual(['member', 'member', 'admin', 'admin']);
    });

    it('adds members (owner or admin), ignoring those already in, and tells the gateway who joined', async () => {
      const [ada, bob, cy, dee] = [await given.user(), await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      await chat.message(ada, room, 'before cy joined');
      const memberTry = await inject('POST', `/conversations/${room.id}/members`, bob, { userIds: [cy.id] });
      expect(memberTry.statusCode).toBe(403);
      const changes = await membershipChanges(async () => {
        const added = await inject('POST', `/conversations/${room.id}/members`, ada, { userIds: [cy.id, bob.id] });
        expect(added.statusCode).toBe(200);
        expect(added.json().memberCount).toBe(3);
      });
      expect(changes).toEqual([{ conversationId: room.id, addedUserIds: [cy.id], removedUserIds: [] }]);
      // Joining later: what was said before is history, not unread.
      const cys = await get(cy, room.id);
      expect(cys).toMatchObject({ myRole: 'member', unreadCount: 0, lastSeq: 1, lastMessage: { content: 'before cy joined' } });
      expect(cys.members?.find((member) => member.user.id === cy.id)).toMatchObject({ lastReadSeq: 1, lastDeliveredSeq: 1 });
      const unknown = await inject('POST', `/conversations/${room.id}/members`, ada, { userIds: [randomUUID()] });
      expect(unknown.statusCode).toBe(400);
      expect((await inject('POST', `/conversations/${room.id}/members`, ada, { userIds: [] })).statusCode).toBe(400);
      await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'admin' });
      expect((await inject('POST', `/conversations/${room.id}/members`, bob, { userIds: [dee.id] })).statusCode).toBe(200);
    });

    it('lets only the owner change roles, and not its own', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy]);
      const promoted = await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'admin' });
      expect(promoted.statusCode).toBe(200);
      expect(roleOf(promoted.json(), bob)).toBe('admin');
      expect((await inject('PATCH', `/conversations/${room.id}/members/${cy.id}`, bob, { role: 'admin' })).statusCode).toBe(403);
      expect((await inject('PATCH', `/conversations/${room.id}/members/${ada.id}`, ada, { role: 'member' })).statusCode).toBe(400);
      expect((await inject('PATCH', `/conversations/${room.id}/members/${cy.id}`, ada, { role: 'owner' })).statusCode).toBe(400);
      expect((await inject('PATCH', `/conversations/${room.id}/members/${randomUUID()}`, ada, { role: 'admin' })).statusCode).toBe(404);
      const demoted = await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'member' });
      expect(roleOf(demoted.json(), bob)).toBe('member');
    });

    it('lets the owner remove anyone, an admin only plain members, a member nobody; the removed lose access at once', async () => {
      const [ada, bob, cy, dee] = [await given.user(), await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy, dee]);
      await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'admin' });
      await inject('PATCH', `/conversations/${room.id}/members/${cy.id}`, ada, { role: 'admin' });
      expect((await inject('DELETE', `/conversations/${room.id}/members/${ada.id}`, bob)).statusCode).toBe(403);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${cy.id}`, bob)).statusCode).toBe(403);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${bob.id}`, dee)).statusCode).toBe(403);
      const changes = await membershipChanges(async () => {
        expect((await inject('DELETE', `/conversations/${room.id}/members/${dee.id}`, bob)).statusCode).toBe(204);
      });
      expect(changes).toEqual([{ conversationId: room.id, addedUserIds: [], removedUserIds: [dee.id] }]);
      expect((await inject('GET', `/conversations/${room.id}`, dee)).statusCode).toBe(404);
      expect((await inject('GET', `/conversations/${room.id}/messages`, dee)).statusCode).toBe(404);
      expect((await list(dee)).items.map((item) => item.id)).not.toContain(room.id);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${dee.id}`, ada)).statusCode).toBe(404);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${cy.id}`, ada)).statusCode).toBe(204);
      const removed = await eventsOf(`type = 'conversation.removed' AND user_id = ANY($1::uuid[])`, [[dee.id, cy.id]]);
      expect(removed).toEqual([
        { type: 'conversation.removed', user_id: dee.id, conversation_id: null, data: { conversationId: room.id } },
        { type: 'conversation.removed', user_id: cy.id, conversation_id: null, data: { conversationId: room.id } },
      ]);
      expect(await app.running.app.get(ConversationsRepository).memberIds(room.id)).toEqual([ada.id, bob.id]);
    });

    it('hands ownership to the longest-standing admin when the owner leaves, else to the longest-standing member', async () => {
      const [ada, bob, cy, dee] = [await given.user(), await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy, dee]);
      await inject('PATCH', `/conversations/${room.id}/members/${dee.id}`, ada, { role: 'admin' });
      expect((await inject('DELETE', `/conversations/${room.id}/members/${ada.id}`, ada)).statusCode).toBe(204);
      let seen = await get(bob, room.id);
      expect(roleOf(seen, dee)).toBe('owner');
      expect(seen.memberCount).toBe(3);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${dee.id}`, dee)).statusCode).toBe(204);
      seen = await get(bob, room.id);
      expect(roleOf(seen, bob)).toBe('owner');
      expect(roleOf(seen, cy)).toBe('member');
      // Plain members leave too; the last one out leaves an empty conversation nobody can see.
      expect((await inject('DELETE', `/conversations/${room.id}/members/${cy.id}`, cy)).statusCode).toBe(204);
      expect((await inject('DELETE', `/conversations/${room.id}/members/${bob.id}`, bob)).statusCode).toBe(204);
      expect((await inject('GET', `/conversations/${room.id}`, bob)).statusCode).toBe(404);
      const [{ count }] = await database.query('SELECT count(*)::int AS count FROM conversation_member WHERE conversation_id = $1', [room.id]);
      expect(count).toBe(0);
    });

    it('answers 404 to a non-member on every route of a conversation, and 401 without a token', async () => {
      const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const routes: Array<[Method, string, object?]> = [
        ['GET', `/conversations/${room.id}`],
        ['PATCH', `/conversations/${room.id}`, { title: 'Mine now' }],
        ['POST', `/conversations/${room.id}/members`, { userIds: [eve.id] }],
        ['PATCH', `/conversations/${room.id}/members/${bob.id}`, { role: 'admin' }],
        ['DELETE', `/conversations/${room.id}/members/${bob.id}`],
        ['DELETE', `/conversations/${room.id}/members/${eve.id}`],
        ['POST', `/conversations/${room.id}/read`, { seq: 1 }],
      ];
      for (const [method, url, payload] of routes) {
        const response = await inject(method, url, eve, payload);
        expect(response.statusCode).toBe(404);
        expect(response.json()).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
        expect((await inject(method, url.replace(room.id, randomUUID()), ada, payload)).statusCode).toBe(404);
        expect((await inject(method, url, undefined, payload)).statusCode).toBe(401);
      }
      expect((await get(ada, room.id)).title).toBe('A group');
    });
  });

  describe('list', () => {
    it('lists my conversations most recently active first, page by page, with last message, unread count, role and size', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const quiet = await chat.group(ada, [bob], 'quiet');
      const direct = await chat.direct(bob, ada);
      const busy = await chat.group(cy, [ada, bob], 'busy');
      await chat.message(bob, direct, 'hi ada');
      await chat.message(cy, busy, 'one');
      await chat.message(ada, busy, 'two');
      await chat.message(cy, busy, 'three');
      const fresh = await chat.group(bob, [ada], 'fresh, no messages yet');

      const first = await list(ada, '?limit=2');
      expect(first.items.map((item) => item.id)).toEqual([fresh.id, busy.id]);
      expect(first.items[1]).toMatchObject({
        title: 'busy',
        lastSeq: 3,
        lastMessage: { seq: 3, content: 'three' },
        unreadCount: 2,
        myRole: 'member',
        memberCount: 3,
      });
      const second = await list(ada, `?limit=2&cursor=${first.nextCursor}`);
      expect(second.items.map((item) => item.id)).toEqual([direct.id, quiet.id]);
      expect(second.items[0]).toMatchObject({ type: 'direct', unreadCount: 1, lastMessage: { content: 'hi ada' } });
      expect(second.items[1]).toMatchObject({ myRole: 'owner', unreadCount: 0, lastMessage: null, memberCount: 2 });
      expect(second.nextCursor).toBeNull();
    });

    it('refuses a malformed cursor and a limit over 100', async () => {
      const ada = await given.user();
      expect((await inject('GET', '/conversations?cursor=garbage', ada)).statusCode).toBe(400);
      expect((await inject('GET', '/conversations?limit=101', ada)).statusCode).toBe(400);
    });
  });

  describe('read markers and unread counts', () => {
    it('counts messages from others above my read marker, which only moves forward and stops at the newest', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      for (let n = 0; n < 5; n += 1) await chat.message(bob, room);
      await chat.message(ada, room);
      expect((await get(ada, room.id)).unreadCount).toBe(5);
      expect((await get(bob, room.id)).unreadCount).toBe(1);
      expect((await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 3 })).statusCode).toBe(204);
      expect((await get(ada, room.id)).unreadCount).toBe(2);
      expect((await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 1 })).statusCode).toBe(204);
      expect((await get(ada, room.id)).unreadCount).toBe(2);
      expect((await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 1000 })).statusCode).toBe(204);
      const seen = await get(ada, room.id);
      expect(seen.unreadCount).toBe(0);
      expect(seen.members?.find((member) => member.user.id === ada.id)).toMatchObject({ lastReadSeq: 6, lastDeliveredSeq: 6 });
      for (const payload of [{ seq: -1 }, { seq: 1.5 }, { seq: '3' }, {}, { seq: 1, extra: true }]) {
        expect((await inject('POST', `/conversations/${room.id}/read`, ada, payload)).statusCode).toBe(400);
      }
    });

    it('does not count deleted messages as unread', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const gone = await chat.message(bob, room);
      await chat.message(bob, room);
      await inject('DELETE', `/conversations/${room.id}/messages/${gone.id}`, bob);
      expect((await get(ada, room.id)).unreadCount).toBe(1);
    });

    it('writes a receipt only when a marker moves: read moves delivered along', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      await chat.message(bob, room);
      await chat.message(bob, room);
      await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 2 });
      await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 2 });
      await inject('POST', `/conversations/${room.id}/read`, ada, { seq: 1 });
      const receipts = await eventsOf(`type = 'receipt' AND conversation_id = $1`, [room.id]);
      expect(receipts.map((event: { data: object }) => event.data)).toEqual([
        { conversationId: room.id, userId: ada.id, type: 'delivered', seq: 2 },
        { conversationId: room.id, userId: ada.id, type: 'read', seq: 2 },
      ]);
    });
  });
});

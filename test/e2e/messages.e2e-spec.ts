import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConversationsService } from '../../src/conversations/conversations.service.js';
import { EventLog } from '../../src/events/event-log.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

describe('messages: send, history, edit, delete, reactions', () => {
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

  const send = (user: GivenUser, conversationId: string, payload: object) =>
    inject('POST', `/conversations/${conversationId}/messages`, user, { clientMessageId: randomUUID(), ...payload });

  const history = async (user: GivenUser, conversationId: string, query = '') => {
    const response = await inject('GET', `/conversations/${conversationId}/messages${query}`, user);
    expect(response.statusCode).toBe(200);
    return response.json() as { items: Array<{ seq: number; content: string | null; status: string; id: string }>; hasMore: boolean };
  };

  describe('sending', () => {
    it('sends a message as the contract describes it, trimmed, with seq 1', async () => {
      const [ada, bob] = [await given.user({ displayName: 'Ada' }), await given.user()];
      const room = await chat.direct(ada, bob);
      const clientMessageId = randomUUID();
      const response = await inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: '  Hello <b>Bob</b>  ' });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: expect.any(String),
        conversationId: room.id,
        seq: 1,
        sender: { id: ada.id, username: ada.username, displayName: 'Ada', avatarUrl: null, isBot: false },
        content: 'Hello <b>Bob</b>',
        attachments: [],
        replyToId: null,
        clientMessageId,
        reactions: [],
        status: 'sent',
        createdAt: expect.stringMatching(/Z$/),
        editedAt: null,
        deletedAt: null,
        threadRootId: null,
        alsoToConversation: true,
        replyCount: 0,
        lastReplyAt: null,
        threadParticipantIds: [],
        mentions: [],
        pinnedAt: null,
        forwardedFrom: null,
        metadata: {},
        preview: null,
      });
    });

    it('answers a retried clientMessageId with the first message and 200, making no second row', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const clientMessageId = randomUUID();
      const first = await inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: 'once' });
      const again = await inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: 'twice?' });
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      // Another sender may use the same id: it is unique per sender.
      expect((await inject('POST', `/conversations/${room.id}/messages`, bob, { clientMessageId, content: 'mine' })).statusCode).toBe(201);
      const [{ count }] = await database.query('SELECT count(*)::int AS count FROM message WHERE conversation_id = $1', [room.id]);
      expect(count).toBe(2);
    });

    it('makes exactly one message when ten copies of a send race: one 201, nine 200 with the same id', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const clientMessageId = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: 'racing' })),
      );
      const statuses = responses.map((response) => response.statusCode).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((response) => response.json().id)).size).toBe(1);
      const rows = await database.query('SELECT seq FROM message WHERE conversation_id = $1', [room.id]);
      expect(rows).toEqual([{ seq: '1' }]);
      const [{ last_seq }] = await database.query('SELECT last_seq FROM conversation WHERE id = $1', [room.id]);
      expect(last_seq).toBe('1');
    });

    it('numbers 25 concurrent sends 1..25 without gaps or duplicates, seq following commit order', async () => {
      const owner = await given.user();
      const members = await Promise.all([given.user(), given.user(), given.user(), given.user()]);
      const room = await chat.group(owner, members);
      const senders = [owner, ...members];
      const responses = await Promise.all(Array.from({ length: 25 }, (_, n) => send(senders[n % senders.length], room.id, { content: `m${n}` })));
      expect(responses.every((response) => response.statusCode === 201)).toBe(true);
      const seqs = responses.map((response) => response.json().seq as number).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 25 }, (_, n) => n + 1));
      const rows: Array<{ seq: string; created_at: Date }> = await database.query(
        'SELECT seq, created_at FROM message WHERE conversation_id = $1 ORDER BY seq',
        [room.id],
      );
      expect(rows.map((row) => Number(row.seq))).toEqual(seqs);
      const times = rows.map((row) => row.created_at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect((await history(owner, room.id)).items.map((message) => message.seq)).toEqual(seqs);
    });

    it('records a message.created event for the conversation in the same transaction', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const sent = await chat.message(ada, room, 'event me');
      await app.running.app.get(EventLog).flush();
      const events: Array<{ type: string; user_id: string | null; data: { id: string; content: string; reactions: unknown[] }; position: string | null }> =
        await database.query(`SELECT type, user_id, data, position FROM chat_event WHERE conversation_id = $1 AND type = 'message.created'`, [room.id]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ user_id: null, data: { id: sent.id, content: 'event me', reactions: [] } });
      expect(events[0].position).not.toBeNull();
    });

    it('refuses an empty message, whitespace only, over 4000 characters, unknown fields and bad ids with 400', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const cases: Array<[object, string]> = [
        [{}, 'content'],
        [{ content: '   ' }, 'content'],
        [{ content: 'x'.repeat(4001) }, 'content'],
        [{ content: 'hi', extra: 1 }, 'extra'],
        [{ content: 'hi', clientMessageId: 'nope' }, 'clientMessageId'],
        [{ content: 'hi', replyToId: 'nope' }, 'replyToId'],
        [{ content: 'hi', attachmentIds: Array.from({ length: 11 }, () => randomUUID()) }, 'attachmentIds'],
      ];
      for (const [payload, field] of cases) {
        const response = await send(ada, room.id, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', requestId: expect.any(String) });
        expect(response.json().details.map((detail: { field: string }) => detail.field)).toContain(field);
      }
      expect((await send(ada, room.id, { content: 'x'.repeat(4000) })).statusCode).toBe(201);
      const withoutId = await inject('POST', `/conversations/${room.id}/messages`, ada, { content: 'hi' });
      expect(withoutId.statusCode).toBe(400);
    });

    it('refuses attachments that are not uploads of the sender', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const response = await send(ada, room.id, { attachmentIds: [randomUUID()] });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'attachmentIds' }] });
    });

    it('accepts a reply to a message of the same conversation only', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const other = await chat.direct(ada, cy);
      const original = await chat.message(ada, room);
      const elsewhere = await chat.message(ada, other);
      const reply = await send(bob, room.id, { content: 're', replyToId: original.id });
      expect(reply.statusCode).toBe(201);
      expect(reply.json().replyToId).toBe(original.id);
      const wrong = await send(bob, room.id, { content: 're', replyToId: elsewhere.id });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().details).toEqual([{ field: 'replyToId', message: expect.any(String) }]);
      expect((await send(bob, room.id, { content: 're', replyToId: randomUUID() })).statusCode).toBe(400);
    });

    it('answers 404 to non-members and for conversations that do not exist, 401 without a token', async () => {
      const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const message = await chat.message(ada, room);
      const routes: Array<[Method, string, object?]> = [
        ['POST', `/conversations/${room.id}/messages`, { clientMessageId: randomUUID(), content: 'hi' }],
        ['GET', `/conversations/${room.id}/messages`],
        ['PATCH', `/conversations/${room.id}/messages/${message.id}`, { content: 'x' }],
        ['DELETE', `/conversations/${room.id}/messages/${message.id}`],
        ['PUT', `/conversations/${room.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`],
        ['DELETE', `/conversations/${room.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`],
      ];
      for (const [method, url, payload] of routes) {
        const response = await inject(method, url, eve, payload);
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('NOT_FOUND');
        const missing = await inject(method, url.replace(room.id, randomUUID()), ada, payload);
        expect(missing.statusCode).toBe(404);
        expect((await inject(method, url, undefined, payload)).statusCode).toBe(401);
      }
      expect((await inject('GET', '/conversations/not-a-uuid/messages', ada)).statusCode).toBe(400);
    });

    it('lets neither side of a block message the other in their direct conversation (403 BLOCKED)', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      expect((await inject('PUT', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
      for (const sender of [ada, bob]) {
        const response = await send(sender, room.id, { content: 'hello?' });
        expect(response.statusCode).toBe(403);
        expect(response.json().code).toBe('BLOCKED');
      }
      expect((await inject('DELETE', `/users/${bob.id}/block`, ada)).statusCode).toBe(204);
      expect((await send(bob, room.id, { content: 'hello again' })).statusCode).toBe(201);
    });

    it('does not stop group messages between users who blocked each other', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      await inject('PUT', `/users/${bob.id}/block`, ada);
      expect((await send(bob, room.id, { content: 'in the group' })).statusCode).toBe(201);
    });

    it('counts each new message in chat_messages_sent_total{transport="rest"}, retries not', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const sentTotal = async () => {
        const text = (await app.running.app.inject({ method: 'GET', url: '/metrics' })).body;
        return Number(/^chat_messages_sent_total\{transport="rest"\} (\d+)/m.exec(text)?.[1]);
      };
      const before = await sentTotal();
      const clientMessageId = randomUUID();
      await inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: 'count me' });
      await inject('POST', `/conversations/${room.id}/messages`, ada, { clientMessageId, content: 'count me' });
      expect(await sentTotal()).toBe(before + 1);
      expect((await app.running.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^chat_messages_sent_total\{transport="ws"\} 0/m);
    });
  });

  describe('history', () => {
    it('pages forward and backward over 300 messages with nothing skipped or repeated', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      await chat.bulkMessages(ada, room, 300);
      const all = Array.from({ length: 300 }, (_, n) => n + 1);

      const newest = await history(bob, room.id, '?limit=100');
      expect(newest.items.map((message) => message.seq)).toEqual(all.slice(200));
      expect(newest.hasMore).toBe(true);

      const backwards: number[] = [];
      let page = await history(bob, room.id, '?limit=70');
      backwards.unshift(...page.items.map((message) => message.seq));
      while (page.hasMore) {
        page = await history(bob, room.id, `?limit=70&before=${page.items[0].seq}`);
        backwards.unshift(...page.items.map((message) => message.seq));
      }
      expect(backwards).toEqual(all);

      const forwards: number[] = [];
      let after = 0;
      for (;;) {
        page = await history(bob, room.id, `?limit=64&after=${after}`);
        forwards.push(...page.items.map((message) => message.seq));
        if (!page.hasMore) break;
        after = page.items[page.items.length - 1].seq;
      }
      expect(forwards).toEqual(all);
      expect(page.items[page.items.length - 1]).toMatchObject({ seq: 300, content: 'bulk 300' });

      const defaults = await history(bob, room.id);
      expect(defaults.items).toHaveLength(50);
      expect((await history(bob, room.id, '?after=300')).items).toEqual([]);
      expect((await history(bob, room.id, '?before=1')).items).toEqual([]);
    });

    it('refuses both cursors at once, a limit above 100 and non-numbers', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      for (const query of ['?before=5&after=1', '?limit=101', '?limit=0', '?before=abc', '?after=-1']) {
        const response = await inject('GET', `/conversations/${room.id}/messages${query}`, ada);
        expect(response.statusCode).toBe(400);
        expect(response.json().code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('editing', () => {
    it('lets the sender edit the text, setting editedAt and announcing message.updated', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const message = await chat.message(ada, room, 'typo');
      const edited = await inject('PATCH', `/conversations/${room.id}/messages/${message.id}`, ada, { content: '  fixed  ' });
      expect(edited.statusCode).toBe(200);
      expect(edited.json()).toMatchObject({ id: message.id, seq: message.seq, content: 'fixed', editedAt: expect.stringMatching(/Z$/), deletedAt: null });
      expect((await history(bob, room.id)).items[0].content).toBe('fixed');
      await app.running.app.get(EventLog).flush();
      const [event] = await database.query(`SELECT data FROM chat_event WHERE conversation_id = $1 AND type = 'message.updated'`, [room.id]);
      expect(event.data).toMatchObject({ id: message.id, content: 'fixed', reactions: [] });
    });

    it("refuses someone else's message (403), a deleted one (409), bad content (400) and unknown ids (404)", async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const message = await chat.message(ada, room);
      const url = `/conversations/${room.id}/messages/${message.id}`;
      const byOwner = await inject('PATCH', `/conversations/${room.id}/messages/${(await chat.message(bob, room)).id}`, ada, { content: 'mine now' });
      expect(byOwner.statusCode).toBe(403);
      for (const payload of [{ content: '  ' }, { content: 'x'.repeat(4001) }, {}, { content: 'ok', seq: 9 }]) {
        expect((await inject('PATCH', url, ada, payload)).statusCode).toBe(400);
      }
      expect((await inject('PATCH', `/conversations/${room.id}/messages/${randomUUID()}`, ada, { content: 'x' })).statusCode).toBe(404);
      await inject('DELETE', url, ada);
      const deleted = await inject('PATCH', url, ada, { content: 'resurrect' });
      expect(deleted.statusCode).toBe(409);
      expect(deleted.json().code).toBe('CONFLICT');
    });
  });

  describe('deleting', () => {
    it('leaves a tombstone: content null, deletedAt set, reactions gone, seq kept, message.deleted announced', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const message = await chat.message(ada, room, 'regrettable');
      await chat.message(ada, room, 'fine');
      await inject('PUT', `/conversations/${room.id}/messages/${message.id}/reactions/${encodeURIComponent('😮')}`, bob);
      expect((await inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, ada)).statusCode).toBe(204);
      const [tombstone, kept] = (await history(bob, room.id)).items as Array<Record<string, unknown>>;
      expect(tombstone).toMatchObject({ id: message.id, seq: 1, content: null, attachments: [], reactions: [], deletedAt: expect.stringMatching(/Z$/) });
      expect(kept).toMatchObject({ seq: 2, content: 'fine', deletedAt: null });
      expect((await inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, ada)).statusCode).toBe(204);
      await app.running.app.get(EventLog).flush();
      const events = await database.query(`SELECT data FROM chat_event WHERE conversation_id = $1 AND type = 'message.deleted'`, [room.id]);
      expect(events).toHaveLength(1);
      expect(events[0].data).toMatchObject({ id: message.id, content: null, deletedAt: expect.any(String) });
    });

    it('lets the sender, a conversation owner or admin, or a global admin member delete; other members get 403', async () => {
      const [owner, admin, member, other] = [await given.user(), await given.user(), await given.user(), await given.user()];
      const globalAdmin = await given.admin();
      const room = await chat.group(owner, [admin, member, other, globalAdmin]);
      await inject('PATCH', `/conversations/${room.id}/members/${admin.id}`, owner, { role: 'admin' });
      const remove = (user: GivenUser, message: { id: string }) => inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, user);
      const byMember = await chat.message(member, room);
      expect((await remove(other, byMember)).statusCode).toBe(403);
      expect((await remove(member, byMember)).statusCode).toBe(204);
      expect((await remove(admin, await chat.message(member, room))).statusCode).toBe(204);
      expect((await remove(owner, await chat.message(admin, room))).statusCode).toBe(204);
      expect((await remove(globalAdmin, await chat.message(owner, room))).statusCode).toBe(204);
      expect((await remove(member, await chat.message(owner, room))).statusCode).toBe(403);
    });

    it('lets a global admin delete any message through the admin API, and no one else', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const admin = await given.admin();
      const room = await chat.direct(ada, bob);
      const message = await chat.message(ada, room, 'spam');
      const denied = await inject('DELETE', `/admin/messages/${message.id}`, bob);
      expect(denied.statusCode).toBe(403);
      expect((await inject('DELETE', `/admin/messages/${message.id}`, undefined)).statusCode).toBe(401);
      expect((await inject('DELETE', `/admin/messages/${message.id}`, admin)).statusCode).toBe(204);
      expect((await history(ada, room.id)).items[0]).toMatchObject({ id: message.id, content: null, deletedAt: expect.any(String) });
      expect((await inject('DELETE', `/admin/messages/${randomUUID()}`, admin)).statusCode).toBe(404);
      expect((await inject('DELETE', '/admin/messages/nope', admin)).statusCode).toBe(400);
    });

    it('counts conversations and messages in the admin stats', async () => {
      const admin = await given.admin();
      const [ada, bob] = [await given.user(), await given.user()];
      await chat.message(ada, await chat.direct(ada, bob));
      const response = await inject('GET', '/admin/stats', admin);
      expect(response.statusCode).toBe(200);
      const [{ conversations, messages }] = await database.query(
        'SELECT (SELECT count(*)::int FROM conversation) AS conversations, (SELECT count(*)::int FROM message) AS messages',
      );
      expect(response.json()).toMatchObject({ conversations, messages, users: expect.any(Number), onlineUsers: expect.any(Number) });
      expect(messages).toBeGreaterThan(0);
    });
  });

  describe('reactions', () => {
    const reactionUrl = (conversationId: string, messageId: string, emoji: string) =>
      `/conversations/${conversationId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

    it('keeps one reaction per user per emoji, counts them, marks mine, and announces only real changes', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy]);
      const message = await chat.message(ada, room);
      for (const [user, emoji] of [
        [bob, '👍'],
        [bob, '👍'],
        [cy, '👍'],
        [cy, '❤️'],
        [ada, ':party_parrot:'],
      ] as const) {
        expect((await inject('PUT', reactionUrl(room.id, message.id, emoji), user)).statusCode).toBe(200);
      }
      const reactionsAs = async (user: GivenUser) => (await history(user, room.id)).items[0] as unknown as { reactions: unknown[] };
      expect((await reactionsAs(bob)).reactions).toEqual([
        { emoji: '👍', count: 2, me: true },
        { emoji: '❤️', count: 1, me: false },
        { emoji: ':party_parrot:', count: 1, me: false },
      ]);
      expect((await inject('DELETE', reactionUrl(room.id, message.id, '👍'), bob)).statusCode).toBe(204);
      expect((await inject('DELETE', reactionUrl(room.id, message.id, '👍'), bob)).statusCode).toBe(204);
      expect((await reactionsAs(cy)).reactions).toEqual([
        { emoji: '👍', count: 1, me: true },
        { emoji: '❤️', count: 1, me: true },
        { emoji: ':party_parrot:', count: 1, me: false },
      ]);
      await app.running.app.get(EventLog).flush();
      const events: Array<{ data: { messageId: string; reactions: Array<{ emoji: string; userIds: string[] }> } }> = await database.query(
        `SELECT data FROM chat_event WHERE conversation_id = $1 AND type = 'reaction.updated' ORDER BY position`,
        [room.id],
      );
      expect(events).toHaveLength(5);
      expect(events[4].data).toEqual({
        conversationId: room.id,
        messageId: message.id,
        reactions: [
          { emoji: '👍', count: 1, userIds: [cy.id] },
          { emoji: '❤️', count: 1, userIds: [cy.id] },
          { emoji: ':party_parrot:', count: 1, userIds: [ada.id] },
        ],
      });
    });

    it('refuses what is not an emoji (400), unknown messages (404) and deleted ones (409)', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.direct(ada, bob);
      const message = await chat.message(ada, room);
      for (const emoji of ['a', 'thumbsup', '1', ':bad shortcode:', `${'👍'.repeat(17)}`, '👍 👍']) {
        const response = await inject('PUT', reactionUrl(room.id, message.id, emoji), bob);
        expect(response.statusCode).toBe(400);
        expect(response.json().details).toEqual([{ field: 'emoji', message: expect.any(String) }]);
      }
      expect((await inject('PUT', reactionUrl(room.id, randomUUID(), '👍'), bob)).statusCode).toBe(404);
      await inject('DELETE', `/conversations/${room.id}/messages/${message.id}`, ada);
      expect((await inject('PUT', reactionUrl(room.id, message.id, '👍'), bob)).statusCode).toBe(409);
    });
  });

  describe('status', () => {
    it("goes sent → delivered → read as the other members' markers reach it", async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const room = await chat.group(ada, [bob, cy]);
      const first = await chat.message(ada, room);
      const second = await chat.message(ada, room);
      const statuses = async () => (await history(ada, room.id)).items.map((message) => message.status);
      expect(await statuses()).toEqual(['sent', 'sent']);
      await app.running.app.get(ConversationsService).markDelivered({ id: bob.id, role: 'user', sessionId: '' }, room.id, second.seq);
      expect(await statuses()).toEqual(['sent', 'sent']);
      await app.running.app.get(ConversationsService).markDelivered({ id: cy.id, role: 'user', sessionId: '' }, room.id, first.seq);
      expect(await statuses()).toEqual(['delivered', 'sent']);
      expect((await inject('POST', `/conversations/${room.id}/read`, bob, { seq: 2 })).statusCode).toBe(204);
      expect((await inject('POST', `/conversations/${room.id}/read`, cy, { seq: 2 })).statusCode).toBe(204);
      expect(await statuses()).toEqual(['read', 'read']);
      // Bob's own reply is only "sent" until Ada and Cy have it.
      await chat.message(bob, room);
      expect(await statuses()).toEqual(['read', 'read', 'sent']);
    });
  });
});

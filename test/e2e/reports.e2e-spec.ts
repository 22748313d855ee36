import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventLog } from '../../src/events/event-log.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

interface Report {
  id: string;
  reporterId: string;
  messageId: string | null;
  userId: string | null;
  reason: string;
  note: string | null;
  status: 'open' | 'resolved';
  action: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

interface AuditEntry {
  type: string;
  targetType: string;
  targetId: string;
  actorId: string;
  before: unknown;
  after: unknown;
}

describe('reports', () => {
  const app = useTestApp({ listen: true });
  let given: Given;
  let chat: ChatGiven;
  let admin: GivenUser;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    admin = await given.admin();
    const checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
  });

  afterAll(() => sockets.closeAll());

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, user: GivenUser | null, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  const report = (user: GivenUser, body: object) => inject('POST', '/reports', user, body);
  const resolve = (id: string, action: string, by: GivenUser = admin) => inject('POST', `/admin/reports/${id}/resolve`, by, { action });
  const auditOf = async (targetId: string): Promise<AuditEntry[]> => (await inject('GET', `/admin/audit?targetId=${targetId}`, admin)).json().items;

  /** A group of `sender` and `reporter`, with a message of the sender. */
  async function reportedMessage() {
    const [sender, reporter] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(sender, [reporter]);
    const message = await chat.message(sender, group, 'buy cheap watches');
    return { sender, reporter, group, message };
  }

  describe('POST /reports', () => {
    it('reports a message the reporter can see, and a user with no conversation in common', async () => {
      const { reporter, message } = await reportedMessage();
      const answer = await report(reporter, { messageId: message.id, reason: 'spam', note: 'Same link to everyone' });
      expect(answer.statusCode).toBe(201);
      expect(answer.json()).toEqual({
        id: expect.any(String),
        reporterId: reporter.id,
        messageId: message.id,
        userId: null,
        reason: 'spam',
        note: 'Same link to everyone',
        status: 'open',
        action: null,
        createdAt: expect.any(String),
        resolvedAt: null,
      });

      const stranger = await given.user();
      const user = await report(reporter, { userId: stranger.id, reason: 'abuse' });
      expect(user.statusCode).toBe(201);
      expect(user.json()).toMatchObject({ userId: stranger.id, messageId: null, note: null, status: 'open' });
    });

    it('answers 404 for a message the reporter cannot see, exactly as for one that does not exist', async () => {
      const { message } = await reportedMessage();
      const stranger = await given.user();
      const hidden = await report(stranger, { messageId: message.id, reason: 'spam' });
      const missing = await report(stranger, { messageId: randomUUID(), reason: 'spam' });
      expect(hidden.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(hidden.json().message).toBe(missing.json().message);
      expect(hidden.json().code).toBe('NOT_FOUND');
    });

    it('answers 404 for a user who does not exist, and for a deleted message', async () => {
      const { sender, reporter, group, message } = await reportedMessage();
      expect((await report(reporter, { userId: randomUUID(), reason: 'other' })).statusCode).toBe(404);
      const deleted = await inject('DELETE', `/conversations/${group.id}/messages/${message.id}`, sender);
      expect(deleted.statusCode).toBe(204);
      expect((await report(reporter, { messageId: message.id, reason: 'spam' })).statusCode).toBe(404);
    });

    it.each([
      ['neither target', { reason: 'spam' }, 'messageId'],
      ['both targets', { messageId: randomUUID(), userId: randomUUID(), reason: 'spam' }, 'userId'],
      ['an unknown reason', { userId: randomUUID(), reason: 'boring' }, 'reason'],
      ['a note with a bidirectional override', { userId: randomUUID(), reason: 'other', note: 'see \u202Egnp.exe' }, 'note'],
      ['a note over 1000 characters', { userId: randomUUID(), reason: 'other', note: 'x'.repeat(1001) }, 'note'],
      ['a messageId that is not a uuid', { messageId: 'nope', reason: 'spam' }, 'messageId'],
      ['an unknown field', { userId: randomUUID(), reason: 'spam', status: 'resolved' }, 'status'],
    ])('answers 400 with details for %s', async (_name, body, field) => {
      const reporter = await given.user();
      const answer = await report(reporter, body);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().code).toBe('VALIDATION_FAILED');
      expect(answer.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('answers 400 for reporting oneself or one’s own message', async () => {
      const { sender, message } = await reportedMessage();
      expect((await report(sender, { userId: sender.id, reason: 'spam' })).json().details).toEqual([{ field: 'userId', message: expect.any(String) }]);
      expect((await report(sender, { messageId: message.id, reason: 'spam' })).json().details).toEqual([{ field: 'messageId', message: expect.any(String) }]);
    });

    it('keeps one open report per reporter per target: 409, and two at once give one 201 and one 409', async () => {
      const { reporter, message, sender } = await reportedMessage();
      expect((await report(reporter, { messageId: message.id, reason: 'spam' })).statusCode).toBe(201);
      const again = await report(reporter, { messageId: message.id, reason: 'abuse' });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('CONFLICT');

      const racing = await Promise.all([report(reporter, { userId: sender.id, reason: 'spam' }), report(reporter, { userId: sender.id, reason: 'spam' })]);
      expect(racing.map((answer) => answer.statusCode).sort()).toEqual([201, 409]);

      // Someone else may report the same target; once resolved, the reporter may report it again.
      const other = await given.user();
      expect((await report(other, { userId: sender.id, reason: 'spam' })).statusCode).toBe(201);
      const open = racing.find((answer) => answer.statusCode === 201)!.json() as Report;
      expect((await resolve(open.id, 'dismiss')).statusCode).toBe(200);
      expect((await report(reporter, { userId: sender.id, reason: 'spam' })).statusCode).toBe(201);
    });
    it('allows 30 reports an hour per user, then 429; a report refused by access costs nothing', async () => {
      const { sender, reporter, group } = await reportedMessage();
      await chat.bulkMessages(sender, group, 30);
      const rows: Array<{ id: string }> = await app.running.app
        .get(DataSource)
        .query(`SELECT id FROM message WHERE conversation_id = $1 AND sender_id = $2 ORDER BY seq`, [group.id, sender.id]);
      for (let index = 0; index < 5; index++) expect((await report(reporter, { messageId: randomUUID(), reason: 'spam' })).statusCode).toBe(404);
      const answers = [];
      for (const { id } of rows) answers.push((await report(reporter, { messageId: id, reason: 'spam' })).statusCode);
      expect(answers).toEqual([...Array<number>(30).fill(201), 429]);
      const limited = await report(reporter, { userId: sender.id, reason: 'spam' });
      expect(limited.json().code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('the admin side', () => {
    it('is for admins only: 403 for a user, 401 without a token', async () => {
      const { reporter, sender } = await reportedMessage();
      const open = await given.report(reporter, { userId: sender.id, reason: 'spam' });
      for (const [method, url, body] of [
        ['GET', '/admin/reports', undefined],
        ['POST', `/admin/reports/${open.id}/resolve`, { action: 'dismiss' }],
      ] as const) {
        const forbidden = await inject(method, url, reporter, body);
        expect(forbidden.statusCode).toBe(403);
        expect(forbidden.json().code).toBe('FORBIDDEN');
        expect((await inject(method, url, null, body)).statusCode).toBe(401);
      }
    });

    it('lists reports newest first by status, a page at a time', async () => {
      const { reporter, sender, message } = await reportedMessage();
      const first = await given.report(reporter, { userId: sender.id, reason: 'spam' });
      const second = await given.report(reporter, { messageId: message.id, reason: 'abuse' });
      const page = await inject('GET', '/admin/reports?status=open&limit=1', admin);
      expect(page.statusCode).toBe(200);
      expect(page.json().items.map((item: Report) => item.id)).toEqual([second.id]);
      const next = await inject('GET', `/admin/reports?status=open&limit=1&cursor=${page.json().nextCursor}`, admin);
      expect(next.json().items.map((item: Report) => item.id)).toEqual([first.id]);

      await resolve(first.id, 'dismiss');
      const resolved = (await inject('GET', '/admin/reports?status=resolved&limit=100', admin)).json().items as Report[];
      expect(resolved.find((item) => item.id === first.id)).toMatchObject({ status: 'resolved', action: 'dismiss', resolvedAt: expect.any(String) });
      const open = (await inject('GET', '/admin/reports?status=open&limit=100', admin)).json().items as Report[];
      expect(open.some((item) => item.id === first.id)).toBe(false);
      expect((await inject('GET', '/admin/reports?status=closed', admin)).json().details).toEqual([expect.objectContaining({ field: 'status' })]);
      expect((await inject('GET', '/admin/reports?cursor=garbage', admin)).json().details).toEqual([expect.objectContaining({ field: 'cursor' })]);
    });

    it('dismisses: resolved once (twice is 409), audited, and the reporter told over the socket and /sync', async () => {
      const { reporter, sender } = await reportedMessage();
      const socket = await sockets.connect(app.running.url, reporter.accessToken);
      const { cursor } = (await inject('GET', '/sync', reporter)).json() as { cursor: string };
      const open = await given.report(reporter, { userId: sender.id, reason: 'spam' });

      const resolved = await resolve(open.id, 'dismiss');
      expect(resolved.statusCode).toBe(200);
      expect(resolved.json()).toMatchObject({ id: open.id, status: 'resolved', action: 'dismiss', resolvedAt: expect.any(String) });

      const told = await socket.next<{ reportId: string }>('report.resolved', (payload) => payload.reportId === open.id);
      expect(told.payload).toEqual({ reportId: open.id, status: 'resolved', action: 'dismiss' });
      expect(told.meta.cursor).toEqual(expect.any(String));
      await app.running.app.get(EventLog).flush();
      const synced = (await inject('GET', `/sync?since=${encodeURIComponent(cursor)}`, reporter)).json() as { events: Array<{ type: string; data: unknown }> };
      expect(synced.events).toContainEqual({
        type: 'report.resolved',
        data: { reportId: open.id, status: 'resolved', action: 'dismiss' },
        cursor: told.meta.cursor,
      });

      const twice = await resolve(open.id, 'ban_user');
      expect(twice.statusCode).toBe(409);
      expect(twice.json().code).toBe('CONFLICT');
      expect((await inject('GET', `/users/me`, sender)).statusCode).toBe(200);
      expect(await auditOf(open.id)).toEqual([
        expect.objectContaining({
          type: 'report.resolved',
          targetType: 'report',
          actorId: admin.id,
          before: { status: 'open' },
          after: { status: 'resolved', action: 'dismiss' },
        }),
      ]);
      expect(await auditOf(sender.id)).toEqual([]);
    });

    it('two admins resolving at once: one 200, one 409, one resolution and one audit row', async () => {
      const { reporter, sender } = await reportedMessage();
      const other = await given.admin();
      const open = await given.report(reporter, { userId: sender.id, reason: 'spam' });
      const answers = await Promise.all([resolve(open.id, 'dismiss'), resolve(open.id, 'ban_user', other)]);
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
      const winner = answers.find((answer) => answer.statusCode === 200)!.json() as Report;
      expect((await auditOf(open.id)).map((entry) => entry.after)).toEqual([{ status: 'resolved', action: winner.action }]);
      expect((await auditOf(sender.id)).map((entry) => entry.type)).toEqual(winner.action === 'ban_user' ? ['user.banned'] : []);
    });

    it('delete_message tombstones the message through the admin delete, with both audit rows', async () => {
      const { reporter, group, message } = await reportedMessage();
      const open = await given.report(reporter, { messageId: message.id, reason: 'illegal' });
      expect((await resolve(open.id, 'delete_message')).json()).toMatchObject({ status: 'resolved', action: 'delete_message' });
      const history = (await inject('GET', `/conversations/${group.id}/messages?after=0`, reporter)).json().items as Array<{
        id: string;
        content: string | null;
        deletedAt: string | null;
      }>;
      expect(history.find((item) => item.id === message.id)).toMatchObject({ content: null, deletedAt: expect.any(String) });
      expect(await auditOf(message.id)).toEqual([
        expect.objectContaining({ type: 'message.deleted', targetType: 'message', actorId: admin.id, after: { deleted: true } }),
      ]);
      expect((await auditOf(open.id)).map((entry) => entry.type)).toEqual(['report.resolved']);
    });

    it('ban_user on a message report bans the sender, signs them out, and audits both', async () => {
      const { reporter, sender, message } = await reportedMessage();
      const open = await given.report(reporter, { messageId: message.id, reason: 'abuse' });
      expect((await resolve(open.id, 'ban_user')).statusCode).toBe(200);
      expect((await inject('GET', '/users/me', sender)).statusCode).toBe(401);
      expect(await auditOf(sender.id)).toEqual([expect.objectContaining({ type: 'user.banned', before: { banned: false }, after: { banned: true } })]);
      expect((await auditOf(open.id)).map((entry) => entry.type)).toEqual(['report.resolved']);
    });

    it('mute_user mutes the sender in the message’s group (until a time, or until unmuted), audited, announced to the room', async () => {
      const [owner, sender, reporter] = await Promise.all([given.user(), given.user(), given.user()]);
      const group = await chat.group(owner, [sender, reporter]);
      const message = await chat.message(sender, group, 'buy cheap watches');
      const open = await given.report(reporter, { messageId: message.id, reason: 'spam' });
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const resolved = await inject('POST', `/admin/reports/${open.id}/resolve`, admin, { action: 'mute_user', until });
      expect(resolved.json()).toMatchObject({ status: 'resolved', action: 'mute_user' });
      const send = await inject('POST', `/conversations/${group.id}/messages`, sender, { clientMessageId: randomUUID(), content: 'again' });
      expect(send.json()).toMatchObject({ statusCode: 403, code: 'MUTED' });
      // Reading goes on, and the reporter can still post.
      expect((await inject('GET', `/conversations/${group.id}/messages`, sender)).statusCode).toBe(200);
      expect((await inject('POST', `/conversations/${group.id}/messages`, reporter, { clientMessageId: randomUUID(), content: 'thanks' })).statusCode).toBe(
        201,
      );
      expect(await auditOf(sender.id)).toEqual([
        expect.objectContaining({ type: 'member.muted', actorId: admin.id, after: { conversationId: group.id, muted: true, until } }),
      ]);
      const members = (await inject('GET', `/conversations/${group.id}`, reporter)).json().members as Array<{ user: { id: string }; moderationMuted: boolean }>;
      expect(members.find((member) => member.user.id === sender.id)).toMatchObject({ moderationMuted: true, moderationMutedUntil: until });
    });

    it('mute_user is for reports of a member’s message in a group, with a future until; until goes with it only (400, report left open)', async () => {
      const [one, other] = await Promise.all([given.user(), given.user()]);
      const direct = await chat.direct(one, other);
      const directMessage = await chat.message(one, direct, 'direct words');
      const directReport = await given.report(other, { messageId: directMessage.id, reason: 'abuse' });
      const userReport = await given.report(other, { userId: one.id, reason: 'abuse' });
      // reportedMessage(): the sender owns the group, and an owner can't be muted in their own group.
      const { reporter, message } = await reportedMessage();
      const ownersReport = await given.report(reporter, { messageId: message.id, reason: 'spam' });
      const owner = await given.user();
      const group = await chat.group(owner, [one, other]);
      const groupReport = await given.report(other, { messageId: (await chat.message(one, group, 'group words')).id, reason: 'spam' });
      const refusals = [
        await resolve(directReport.id, 'mute_user'),
        await resolve(userReport.id, 'mute_user'),
        await resolve(ownersReport.id, 'mute_user'),
        await inject('POST', `/admin/reports/${groupReport.id}/resolve`, admin, { action: 'mute_user', until: new Date(Date.now() - 1000).toISOString() }),
        await inject('POST', `/admin/reports/${groupReport.id}/resolve`, admin, { action: 'dismiss', until: new Date(Date.now() + 60_000).toISOString() }),
      ];
      expect(refusals.map((response) => [response.statusCode, response.json().details?.[0]?.field])).toEqual([
        [400, 'action'],
        [400, 'action'],
        [400, 'action'],
        [400, 'until'],
        [400, 'until'],
      ]);
      const open = (await inject('GET', '/admin/reports?status=open&limit=100', admin)).json().items as Report[];
      expect([directReport.id, userReport.id, ownersReport.id, groupReport.id].every((id) => open.some((item) => item.id === id))).toBe(true);
    });

    it('a failed action leaves the report open with no resolution and no audit row', async () => {
      const [reporter, moderator] = await Promise.all([given.user(), given.admin()]);
      const userReport = await given.report(reporter, { userId: moderator.id, reason: 'abuse' });
      const wrongAction = await resolve(userReport.id, 'delete_message', moderator);
      expect(wrongAction.statusCode).toBe(400);
      expect(wrongAction.json().details).toEqual([expect.objectContaining({ field: 'action' })]);

      // The ban itself fails (an admin may not ban themselves) once the report row is locked.
      const selfBan = await resolve(userReport.id, 'ban_user', moderator);
      expect(selfBan.statusCode).toBe(400);
      expect(selfBan.json().details).toEqual([expect.objectContaining({ field: 'banned' })]);

      const open = (await inject('GET', '/admin/reports?status=open&limit=100', admin)).json().items as Report[];
      expect(open.find((item) => item.id === userReport.id)).toMatchObject({ status: 'open', action: null, resolvedAt: null });
      expect(await auditOf(userReport.id)).toEqual([]);
      expect(await auditOf(moderator.id)).toEqual([]);
      // Another admin still can.
      expect((await resolve(userReport.id, 'ban_user')).json()).toMatchObject({ status: 'resolved', action: 'ban_user' });
      expect((await auditOf(moderator.id)).map((entry) => entry.type)).toEqual(['user.banned']);
    });

    it('answers 404 for an unknown report and 400 for an unknown action', async () => {
      expect((await resolve(randomUUID(), 'dismiss')).statusCode).toBe(404);
      const { reporter, sender } = await reportedMessage();
      const open = await given.report(reporter, { userId: sender.id, reason: 'spam' });
      const bad = await resolve(open.id, 'shout');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([expect.objectContaining({ field: 'action' })]);
    });
  });
});

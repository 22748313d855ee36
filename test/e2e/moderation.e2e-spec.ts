import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient } from '../support/depth.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

interface Member {
  user: { id: string };
  role: string;
  moderationMuted: boolean;
  moderationMutedUntil: string | null;
}

interface AuditEntry {
  actorId: string;
  type: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('moderation: muting members, announcement groups and slow mode', () => {
  const app = useTestApp({ listen: true });
  let given: Given;
  let chat: ChatGiven;
  let client: DepthClient;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;
  let admin: GivenUser;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    client = depthClient(app.running);
    checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
    admin = await given.admin();
  });

  afterAll(() => {
    sockets.closeAll();
    expect(checker.violations).toEqual([]);
  });

  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, user: GivenUser | undefined, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });
  const send = (user: GivenUser, conversationId: string, clientMessageId = randomUUID()) =>
    inject('POST', `/conversations/${conversationId}/messages`, user, { clientMessageId, content: `words ${clientMessageId.slice(0, 6)}` });
  const mute = (by: GivenUser, conversationId: string, userId: string, body?: object) =>
    inject('PUT', `/conversations/${conversationId}/members/${userId}/mute`, by, body);
  const unmute = (by: GivenUser, conversationId: string, userId: string) => inject('DELETE', `/conversations/${conversationId}/members/${userId}/mute`, by);
  const memberOf = async (viewer: GivenUser, conversationId: string, userId: string): Promise<Member> => {
    const detail = await client.get<{ members: Member[] }>(viewer, `/conversations/${conversationId}`);
    return detail.members.find((member) => member.user.id === userId)!;
  };
  const auditOf = async (targetId: string): Promise<AuditEntry[]> => {
    const answer = await inject('GET', `/admin/audit?targetId=${targetId}`, admin);
    expect(answer.statusCode).toBe(200);
    return answer.json().items;
  };
  /** Three people in a group: ada owns it, bob is an admin, cy a plain member. */
  const team = async () => {
    const [ada, bob, cy] = await Promise.all([given.user(), given.user(), given.user()]);
    const room = await chat.group(ada, [bob, cy]);
    expect((await inject('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: 'admin' })).statusCode).toBe(200);
    return { ada, bob, cy, room };
  };

  describe('muting a member', () => {
    it('stops their sends over REST and the socket with 403 MUTED and the end of the mute, while they still read', async () => {
      const { ada, cy, room } = await team();
      const before = await chat.message(ada, room, 'said before the mute');
      const until = inAnHour();
      expect((await mute(ada, room.id, cy.id, { until })).statusCode).toBe(204);

      const refused = await send(cy, room.id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'MUTED', details: [{ field: 'until', message: new Date(until).toISOString() }] });
      const socket = await sockets.connect(app.running.url, cy.accessToken);
      const ack = await socket.request('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'over the socket' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'MUTED', details: [{ field: 'until', message: new Date(until).toISOString() }] } });

      const history = await client.get<{ items: Array<{ id: string }> }>(cy, `/conversations/${room.id}/messages?after=0`);
      expect(history.items.map((message) => message.id)).toEqual([before.id]);
      expect(await memberOf(ada, room.id, cy.id)).toMatchObject({ moderationMuted: true, moderationMutedUntil: new Date(until).toISOString() });
    });

    it('tells the room with member.updated, audits it, and unmuting lets them post again', async () => {
      const { ada, cy, room } = await team();
      const since = await client.cursor(cy);
      const watcher = await sockets.connect(app.running.url, cy.accessToken);
      const put = await app.running.app.inject({
        method: 'PUT',
        url: `/api/v1/conversations/${room.id}/members/${cy.id}/mute`,
        headers: { ...ada.auth, 'x-request-id': 'mute-request-1' },
      });
      expect(put.statusCode).toBe(204);
      await watcher.next<{ userId: string; moderationMuted: boolean }>('member.updated', (event) => event.userId === cy.id && event.moderationMuted);
      // Muting again the same way changes nothing and announces nothing.
      expect((await mute(ada, room.id, cy.id)).statusCode).toBe(204);
      expect((await unmute(ada, room.id, cy.id)).statusCode).toBe(204);
      expect((await unmute(ada, room.id, cy.id)).statusCode).toBe(204);
      expect((await send(cy, room.id)).statusCode).toBe(201);

      const events = (await client.syncSince(cy, since)).filter((event) => event.type === 'member.updated');
      expect(events.map((event) => event.data)).toEqual([
        { conversationId: room.id, userId: cy.id, role: 'member', moderationMuted: true, moderationMutedUntil: null },
        { conversationId: room.id, userId: cy.id, role: 'member', moderationMuted: false, moderationMutedUntil: null },
      ]);
      const audit = await auditOf(cy.id);
      expect(audit).toEqual([
        expect.objectContaining({ type: 'member.unmuted', actorId: ada.id, targetType: 'user', after: { conversationId: room.id, muted: false, until: null } }),
        expect.objectContaining({
          type: 'member.muted',
          actorId: ada.id,
          requestId: 'mute-request-1',
          before: { conversationId: room.id, muted: false, until: null },
          after: { conversationId: room.id, muted: true, until: null },
        }),
      ]);
    });

    it('ends by itself when `until` passes: no job, the clock decides at each send', async () => {
      const { ada, cy, room } = await team();
      expect((await mute(ada, room.id, cy.id, { until: inAnHour() })).statusCode).toBe(204);
      expect((await send(cy, room.id)).statusCode).toBe(403);
      // Time passing, without waiting: the stored end moves into the past.
      await app.running.app
        .get(DataSource)
        .query(`UPDATE conversation_member SET moderation_muted_until = now() - interval '1 second' WHERE conversation_id = $1 AND user_id = $2`, [
          room.id,
          cy.id,
        ]);
      expect((await send(cy, room.id)).statusCode).toBe(201);
      expect(await memberOf(cy, room.id, cy.id)).toMatchObject({ moderationMuted: false, moderationMutedUntil: null });
    });

    it('refuses forwarding into the conversation too, but answers a retry of a message sent before the mute', async () => {
      const { ada, cy, room } = await team();
      const elsewhere = await chat.group(cy, [ada]);
      const original = await chat.message(cy, elsewhere, 'worth forwarding');
      const sentBefore = randomUUID();
      expect((await send(cy, room.id, sentBefore)).statusCode).toBe(201);
      expect((await mute(ada, room.id, cy.id)).statusCode).toBe(204);

      const forward = await inject('POST', `/conversations/${elsewhere.id}/messages/${original.id}/forward`, cy, {
        toConversationId: room.id,
        clientMessageId: randomUUID(),
      });
      expect(forward.statusCode).toBe(403);
      expect(forward.json().code).toBe('MUTED');
      const retry = await send(cy, room.id, sentBefore);
      expect(retry.statusCode).toBe(200);
      // Muted in one group, free in another.
      expect((await send(cy, elsewhere.id)).statusCode).toBe(201);
    });

    it('lets the owner mute anyone but themselves and an admin plain members only', async () => {
      const { ada, bob, cy, room } = await team();
      const adminOnOwner = await mute(bob, room.id, ada.id);
      expect(adminOnOwner.statusCode).toBe(403);
      expect(adminOnOwner.json().code).toBe('FORBIDDEN');
      const dee = await given.user();
      await inject('POST', `/conversations/${room.id}/members`, ada, { userIds: [dee.id] });
      await inject('PATCH', `/conversations/${room.id}/members/${dee.id}`, ada, { role: 'admin' });
      expect((await mute(bob, room.id, dee.id)).statusCode).toBe(403);
      expect((await unmute(bob, room.id, dee.id)).statusCode).toBe(403);
      expect((await mute(cy, room.id, bob.id)).statusCode).toBe(403);
      expect((await mute(bob, room.id, cy.id)).statusCode).toBe(204);
      expect((await mute(ada, room.id, ada.id)).statusCode).toBe(400);

      // An admin the owner muted can't post either: roles don't exempt from a mute.
      expect((await mute(ada, room.id, bob.id)).statusCode).toBe(204);
      const refused = await send(bob, room.id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('MUTED');
    });

    it('answers strangers, removed members and unknown targets with 404, direct conversations with 403, bad input with 400', async () => {
      const { ada, cy, room } = await team();
      const [stranger, gone] = await Promise.all([given.user(), given.user()]);
      await inject('POST', `/conversations/${room.id}/members`, ada, { userIds: [gone.id] });
      await inject('DELETE', `/conversations/${room.id}/members/${gone.id}`, ada);

      expect((await mute(stranger, room.id, cy.id)).statusCode).toBe(404);
      expect((await mute(ada, room.id, gone.id)).statusCode).toBe(404);
      expect((await mute(ada, room.id, stranger.id)).statusCode).toBe(404);
      expect((await mute(ada, randomUUID(), cy.id)).statusCode).toBe(404);
      expect((await inject('PUT', `/conversations/${room.id}/members/${cy.id}/mute`, undefined)).statusCode).toBe(401);

      const direct = await chat.direct(ada, cy);
      const inDirect = await mute(ada, direct.id, cy.id);
      expect(inDirect.statusCode).toBe(403);

      for (const body of [{ until: 'tomorrow' }, { until: '2020-01-01T00:00:00Z' }, { until: 42 }, { until: inAnHour(), extra: true }]) {
        const answer = await mute(ada, room.id, cy.id, body);
        expect(answer.statusCode).toBe(400);
        expect(answer.json().code).toBe('VALIDATION_FAILED');
      }
      expect((await mute(ada, room.id, 'not-a-uuid')).statusCode).toBe(400);
      expect(await memberOf(ada, room.id, cy.id)).toMatchObject({ moderationMuted: false });
    });
  });

  describe('announcement groups', () => {
    it('lets only the owner and admins post; plain members get 403 READ_ONLY over REST and the socket, and read on', async () => {
      const { ada, bob, cy, room } = await team();
      const patched = await inject('PATCH', `/conversations/${room.id}`, bob, { mode: 'announcements' });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ mode: 'announcements', slowModeSeconds: 0, title: 'A group' });

      const refused = await send(cy, room.id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('READ_ONLY');
      const socket = await sockets.connect(app.running.url, cy.accessToken);
      const ack = await socket.request('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'me too' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
      expect((await send(ada, room.id)).statusCode).toBe(201);
      expect((await send(bob, room.id)).statusCode).toBe(201);
      expect((await client.get<{ items: unknown[] }>(cy, `/conversations/${room.id}/messages?after=0`)).items).toHaveLength(2);
      expect((await client.get<{ mode: string }>(cy, `/conversations/${room.id}`)).mode).toBe('announcements');

      expect((await inject('PATCH', `/conversations/${room.id}`, ada, { mode: 'open' })).statusCode).toBe(200);
      expect((await send(cy, room.id)).statusCode).toBe(201);
      const audit = await auditOf(room.id);
      expect(audit.map((entry) => [entry.type, entry.actorId, entry.before, entry.after])).toEqual([
        ['conversation.mode_changed', ada.id, { mode: 'announcements' }, { mode: 'open' }],
        ['conversation.mode_changed', bob.id, { mode: 'open' }, { mode: 'announcements' }],
      ]);
    });

    it('tells every member the new mode with conversation.updated', async () => {
      const { ada, cy, room } = await team();
      const device = await sockets.connect(app.running.url, cy.accessToken);
      await inject('PATCH', `/conversations/${room.id}`, ada, { mode: 'announcements' });
      await device.next<{ id: string; mode: string }>('conversation.updated', (view) => view.id === room.id && view.mode === 'announcements');
    });

    it('refuses plain members, strangers, direct conversations and bad values', async () => {
      const { ada, cy, room } = await team();
      const stranger = await given.user();
      expect((await inject('PATCH', `/conversations/${room.id}`, cy, { mode: 'announcements' })).statusCode).toBe(403);
      expect((await inject('PATCH', `/conversations/${room.id}`, stranger, { mode: 'announcements' })).statusCode).toBe(404);
      const direct = await chat.direct(ada, cy);
      expect((await inject('PATCH', `/conversations/${direct.id}`, ada, { mode: 'announcements' })).statusCode).toBe(403);
      for (const body of [{ mode: 'silent' }, {}, { slowModeSeconds: 21601 }, { slowModeSeconds: -1 }, { slowModeSeconds: 1.5 }, { slowModeSeconds: '60' }]) {
        const answer = await inject('PATCH', `/conversations/${room.id}`, ada, body);
        expect(answer.statusCode).toBe(400);
      }
      expect((await client.get<{ mode: string; slowModeSeconds: number }>(ada, `/conversations/${room.id}`)).mode).toBe('open');
    });
  });

  describe('slow mode', () => {
    it('lets a plain member post once per slowModeSeconds: 429 SLOW_MODE with retry-after over REST, retryAfter over the socket', async () => {
      const { ada, bob, cy, room } = await team();
      const patched = await inject('PATCH', `/conversations/${room.id}`, ada, { slowModeSeconds: 3600 });
      expect(patched.json()).toMatchObject({ slowModeSeconds: 3600, mode: 'open' });
      const first = randomUUID();
      expect((await send(cy, room.id, first)).statusCode).toBe(201);

      const refused = await send(cy, room.id);
      expect(refused.statusCode).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(refused.json()).toMatchObject({ code: 'SLOW_MODE', details: [{ field: 'retryAfter', message: String(retryAfter) }] });
      const socket = await sockets.connect(app.running.url, cy.accessToken);
      const ack = await socket.request('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'again' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'SLOW_MODE' } });
      expect(ack.ok === false && ack.error.retryAfter).toBeGreaterThan(3500);

      // A retry of the accepted message answers it; the owner and admins are exempt.
      expect((await send(cy, room.id, first)).statusCode).toBe(200);
      for (const exempt of [ada, ada, bob, bob]) expect((await send(exempt, room.id)).statusCode).toBe(201);

      // Time passing, without waiting: cy's last post moves an hour back.
      await app.running.app
        .get(DataSource)
        .query(`UPDATE conversation_member SET last_posted_at = now() - interval '3601 seconds' WHERE conversation_id = $1 AND user_id = $2`, [room.id, cy.id]);
      expect((await send(cy, room.id)).statusCode).toBe(201);
      // null turns it off.
      expect((await inject('PATCH', `/conversations/${room.id}`, ada, { slowModeSeconds: null })).json().slowModeSeconds).toBe(0);
      expect((await send(cy, room.id)).statusCode).toBe(201);
      expect((await auditOf(room.id)).map((entry) => [entry.type, entry.before, entry.after])).toEqual([
        ['conversation.slow_mode_changed', { slowModeSeconds: 3600 }, { slowModeSeconds: 0 }],
        ['conversation.slow_mode_changed', { slowModeSeconds: 0 }, { slowModeSeconds: 3600 }],
      ]);
    });

    it('holds against concurrent sends: the database decides, so exactly one of a burst gets through', async () => {
      const { ada, cy, room } = await team();
      await inject('PATCH', `/conversations/${room.id}`, ada, { slowModeSeconds: 600 });
      const answers = await Promise.all(Array.from({ length: 6 }, () => send(cy, room.id)));
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 429, 429, 429, 429, 429]);
      const history = await client.get<{ items: unknown[] }>(ada, `/conversations/${room.id}/messages?after=0`);
      expect(history.items).toHaveLength(1);
    });

    it('holds across instances: a second instance on the same database refuses what the first accepted', async () => {
      const { ada, cy, room } = await team();
      await inject('PATCH', `/conversations/${room.id}`, ada, { slowModeSeconds: 600 });
      const other = await startTestApp({}, { listen: true });
      try {
        const onOther = await sockets.connect(other.url, cy.accessToken);
        expect((await send(cy, room.id)).statusCode).toBe(201);
        const ack = await onOther.request('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'from elsewhere' });
        expect(ack).toMatchObject({ ok: false, error: { code: 'SLOW_MODE' } });
        // And a burst split between both instances lets exactly one through.
        await app.running.app
          .get(DataSource)
          .query(`UPDATE conversation_member SET last_posted_at = NULL WHERE conversation_id = $1 AND user_id = $2`, [room.id, cy.id]);
        const acks = await Promise.all([
          ...Array.from({ length: 3 }, () =>
            onOther.request('message.send', { conversationId: room.id, clientMessageId: randomUUID(), content: 'burst' }).then((answer) => answer.ok),
          ),
          ...Array.from({ length: 3 }, () => send(cy, room.id).then((answer) => answer.statusCode === 201)),
        ]);
        expect(acks.filter(Boolean)).toHaveLength(1);
        onOther.close();
      } finally {
        await other.close();
      }
    });

    it('counts forwards into the conversation as posts', async () => {
      const { ada, cy, room } = await team();
      const elsewhere = await chat.group(cy, []);
      const original = await chat.message(cy, elsewhere, 'forward me');
      await inject('PATCH', `/conversations/${room.id}`, ada, { slowModeSeconds: 600 });
      expect((await send(cy, room.id)).statusCode).toBe(201);
      const forward = await inject('POST', `/conversations/${elsewhere.id}/messages/${original.id}/forward`, cy, {
        toConversationId: room.id,
        clientMessageId: randomUUID(),
      });
      expect(forward.statusCode).toBe(429);
      expect(forward.json().code).toBe('SLOW_MODE');
      expect(Number(forward.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/time/clock.js';
import { Jobs, JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven, type GivenConversation } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { image, pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Retention over HTTP and the job queue: policies set through the API (with their audit rows), then the
 * `retention.sweep` job run through the queue on a seeded world whose messages are made old by moving
 * the app's clock or their `created_at`. Global policies are cleared after each test: other suites share
 * the database.
 */
describe('retention: policies and the sweep that deletes expired messages', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;
  let admin: GivenUser;

  beforeAll(async () => {
    // Two messages per delete transaction: a handful of old messages already takes several batches.
    running = await startTestApp({ MEDIA_DIR: mediaDir.path, RETENTION_BATCH_SIZE: '2', JOBS_POLL_INTERVAL_MS: '500' });
    given = builders(running);
    chat = chatBuilders(running);
    media = mediaClient(running);
    admin = await given.admin();
  });

  afterEach(async () => {
    // The app's own clock again (setClock shadows the method on the instance).
    delete (running.app.get(Clock) as Partial<Clock>).now;
    await running.app.get(DataSource).query(`DELETE FROM retention_policy WHERE scope = 'global'`);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  const inject = (method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, user: GivenUser | null, payload?: unknown) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, ...(payload === undefined ? {} : { payload: payload as object }) });
  const sql = <T = Record<string, unknown>>(query: string, parameters: unknown[] = []) => running.app.get(DataSource).query<T[]>(query, parameters);

  const setGlobal = async (days: number | null) => {
    const answer = await inject('PUT', '/admin/retention', admin, { days });
    expect(answer.statusCode).toBe(200);
    return answer.json();
  };
  const setFor = async (user: GivenUser, conversation: GivenConversation, days: number | null) => {
    const answer = await inject('PUT', `/conversations/${conversation.id}/retention`, user, { days });
    expect(answer.statusCode).toBe(200);
    return answer.json();
  };
  const audited = async (targetId: string) =>
    (await inject('GET', `/admin/audit?type=retention.changed&targetId=${targetId}`, admin)).json().items as Array<Record<string, unknown>>;

  /** Runs the sweep through the queue and waits for the run to complete. */
  const sweepJobs = () => sql(`SELECT id, state, created_on, started_on, retry_count, output FROM ${JOBS_SCHEMA}.job WHERE name = 'retention.sweep'`);
  const sweep = async () => {
    const id = await running.app.get(Jobs).enqueue('retention.sweep', {});
    if (id === null) throw new Error(`the sweep was not queued; its jobs: ${JSON.stringify(await sweepJobs())}`);
    await eventually(
      async () => {
        const [row] = await sql<{ state: string }>(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE name = 'retention.sweep' AND id = $1`, [id]);
        if (row?.state === 'failed') throw new Error('the sweep failed');
        return row?.state === 'completed' ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the retention sweep completed' },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; its jobs: ${JSON.stringify(await sweepJobs())}`);
    });
  };
  const setClock = (at: Date) => {
    running.app.get(Clock).now = () => at;
  };
  const age = (messageIds: string[], days: number) =>
    sql(`UPDATE message SET created_at = created_at - make_interval(days => $2) WHERE id = ANY($1::uuid[])`, [messageIds, days]);
  const historyIds = async (user: GivenUser, conversation: GivenConversation) =>
    ((await inject('GET', `/conversations/${conversation.id}/messages?limit=100`, user)).json().items as Array<{ id: string }>).map((message) => message.id);
  const metric = async (line: string) => {
    const text = (await running.app.inject({ method: 'GET', url: '/metrics' })).body;
    const found = text.split('\n').find((entry) => entry.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  };
  const send = async (sender: GivenUser, conversation: GivenConversation, attachmentIds: string[] = []) => {
    const answer = await inject('POST', `/conversations/${conversation.id}/messages`, sender, {
      clientMessageId: randomUUID(),
      content: `words ${randomUUID().slice(0, 6)}`,
      ...(attachmentIds.length ? { attachmentIds } : {}),
    });
    expect(answer.statusCode).toBe(201);
    return answer.json().id as string;
  };

  describe('PUT /admin/retention', () => {
    it('is for admins: 401 without a token, 403 for a user', async () => {
      const ada = await given.user();
      expect((await inject('PUT', '/admin/retention', null, { days: 30 })).statusCode).toBe(401);
      const forbidden = await inject('PUT', '/admin/retention', ada, { days: 30 });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().code).toBe('FORBIDDEN');
    });

    it.each([[{}], [{ days: 0 }], [{ days: -3 }], [{ days: 1.5 }], [{ days: '30' }], [{ days: 36_501 }], [{ days: 30, extra: true }], [[30]]])(
      'refuses %j with 400 and changes nothing',
      async (payload) => {
        const answer = await inject('PUT', '/admin/retention', admin, payload);
        expect(answer.statusCode).toBe(400);
        expect(answer.json().code).toBe('VALIDATION_FAILED');
        expect(await sql(`SELECT * FROM retention_policy WHERE scope = 'global'`)).toEqual([]);
      },
    );

    it('sets and clears the global policy, auditing each change once', async () => {
      const before = (await audited('00000000-0000-0000-0000-000000000000')).length;
      expect(await setGlobal(30)).toEqual({ scope: 'global', conversationId: null, days: 30, effectiveDays: 30, updatedAt: expect.any(String) });
      await setGlobal(30);
      expect(await setGlobal(null)).toMatchObject({ scope: 'global', days: null, effectiveDays: null });
      const rows = await audited('00000000-0000-0000-0000-000000000000');
      expect(rows.length - before).toBe(2);
      expect(rows.slice(0, 2)).toEqual([
        expect.objectContaining({ actorId: admin.id, targetType: 'settings', before: { days: 30 }, after: { days: null } }),
        expect.objectContaining({ actorId: admin.id, targetType: 'settings', before: { days: null }, after: { days: 30 } }),
      ]);
    });
  });

  describe('PUT /conversations/:id/retention', () => {
    it("lets a group's owner and admins set it; plain members get 403, strangers and global admins 404", async () => {
      const [owner, groupAdmin, member, stranger] = [await given.user(), await given.user(), await given.user(), await given.user()];
      const room = await chat.group(owner, [groupAdmin, member]);
      expect((await inject('PATCH', `/conversations/${room.id}/members/${groupAdmin.id}`, owner, { role: 'admin' })).statusCode).toBe(200);
      await setGlobal(90);

      expect(await setFor(owner, room, 7)).toEqual({
        scope: 'conversation',
        conversationId: room.id,
        days: 7,
        effectiveDays: 7,
        updatedAt: expect.any(String),
      });
      expect(await setFor(groupAdmin, room, 14)).toMatchObject({ days: 14, effectiveDays: 14 });
      expect((await inject('PUT', `/conversations/${room.id}/retention`, member, { days: 1 })).statusCode).toBe(403);
      expect((await inject('PUT', `/conversations/${room.id}/retention`, stranger, { days: 1 })).statusCode).toBe(404);
      expect((await inject('PUT', `/conversations/${room.id}/retention`, admin, { days: 1 })).statusCode).toBe(404);
      expect((await inject('PUT', `/conversations/${randomUUID()}/retention`, owner, { days: 1 })).statusCode).toBe(404);
      expect((await inject('PUT', `/conversations/not-a-uuid/retention`, owner, { days: 1 })).statusCode).toBe(400);
      expect((await inject('PUT', `/conversations/${room.id}/retention`, owner, { days: 0 })).statusCode).toBe(400);
      expect((await inject('PUT', `/conversations/${room.id}/retention`, null, { days: 1 })).statusCode).toBe(401);

      // null drops the override: the global policy applies again.
      expect(await setFor(owner, room, null)).toEqual({ scope: 'conversation', conversationId: room.id, days: null, effectiveDays: 90, updatedAt: null });
      expect(await sql(`SELECT * FROM retention_policy WHERE conversation_id = $1`, [room.id])).toEqual([]);
      expect((await audited(room.id)).map((row) => [row.actorId, row.targetType, row.before, row.after])).toEqual([
        [owner.id, 'conversation', { days: 14 }, { days: null }],
        [groupAdmin.id, 'conversation', { days: 7 }, { days: 14 }],
        [owner.id, 'conversation', { days: null }, { days: 7 }],
      ]);
    });

    it('lets either member of a direct conversation set it, even with a block between them', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const direct = await chat.direct(ada, bob);
      expect((await inject('PUT', `/users/${ada.id}/block`, bob)).statusCode).toBeLessThan(300);
      expect(await setFor(bob, direct, 1)).toMatchObject({ days: 1 });
      expect(await setFor(ada, direct, 3)).toMatchObject({ days: 3 });
    });
  });

  describe('the sweep', () => {
    it('deletes what each policy no longer keeps — a conversation override wins over the global policy — and nothing else', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const weekly = await chat.group(ada, [bob], 'weekly');
      const monthly = await chat.group(ada, [bob], 'monthly');
      const forever = await chat.group(ada, [bob], 'forever');
      const weeklyIds = [await send(ada, weekly), await send(bob, weekly), await send(ada, weekly)];
      const monthlyIds = [await send(ada, monthly), await send(ada, monthly)];
      const foreverIds = [await send(ada, forever)];
      await setFor(ada, weekly, 7);
      await setFor(ada, forever, 36_500);
      await setGlobal(30);

      const deletedBefore = await metric('chat_retention_deleted_total{kind="messages"}');
      setClock(new Date(Date.now() + 8 * DAY_MS));
      await sweep();
      expect(await historyIds(ada, weekly)).toEqual([]);
      expect((await historyIds(ada, monthly)).sort()).toEqual([...monthlyIds].sort());

      // The global policy's turn: the app's clock again, and these messages made 31 days old. (Moving the
      // clock 31 days on would put every message of the shared test database past the global policy.)
      delete (running.app.get(Clock) as Partial<Clock>).now;
      await age([...monthlyIds, ...foreverIds], 31);
      await sweep();
      expect(await historyIds(ada, monthly)).toEqual([]);
      expect(await historyIds(ada, forever)).toEqual(foreverIds);
      expect(await sql(`SELECT id FROM message WHERE id = ANY($1::uuid[])`, [[...weeklyIds, ...monthlyIds]])).toEqual([]);
      expect((await metric('chat_retention_deleted_total{kind="messages"}')) - deletedBefore).toBeGreaterThanOrEqual(5);
      expect(await metric('chat_retention_sweep_running')).toBe(0);
      expect(await metric('chat_retention_sweep_last_completed_seconds')).toBeGreaterThan(0);
    });

    it('deletes in bounded batches, and leaves newer messages, /sync and conversation lists consistent', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const cursor = (await inject('GET', '/sync', bob)).json().cursor as string;
      const old = [];
      for (let n = 0; n < 5; n += 1) old.push(await send(ada, room));
      const kept = [await send(ada, room), await send(ada, room)];
      await age(old, 10);
      await setFor(ada, room, 7);

      const batchesBefore = await metric('chat_retention_batches_total');
      await sweep();
      // Five old messages, two per transaction: three batches at least (other conversations may add more).
      expect((await metric('chat_retention_batches_total')) - batchesBefore).toBeGreaterThanOrEqual(3);
      expect(await historyIds(bob, room)).toEqual(kept);

      const synced = await inject('GET', `/sync?since=${encodeURIComponent(cursor)}&limit=500`, bob);
      expect(synced.statusCode).toBe(200);
      const body = synced.body;
      for (const id of old) expect(body).not.toContain(id);
      expect(body).toContain(kept[1]);
      expect(await sql(`SELECT id FROM chat_event WHERE message_id = ANY($1::uuid[])`, [old])).toEqual([]);

      const listed = (await inject('GET', '/conversations', bob)).json().items.find((item: { id: string }) => item.id === room.id);
      expect(listed).toMatchObject({ unreadCount: 2, lastMessage: expect.objectContaining({ id: kept[1] }) });
      // A new message numbers on after the deleted ones.
      expect((await chat.message(ada, room)).seq).toBe(8);
    });

    it("removes the deleted messages' uploads from storage unless another message still carries them", async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const elsewhere = await chat.group(ada, [bob]);
      const photo = await media.uploaded(ada, await image.jpeg());
      const shared = await media.uploaded(ada, pdf());
      const old = [await send(ada, room, [photo.id]), await send(ada, room, [shared.id])];
      await send(ada, elsewhere, [shared.id]);
      await age(old, 10);
      await setFor(ada, room, 7);
      const stored = () => filesIn(mediaDir.path).map((path) => path.split('/').pop());
      expect(stored()).toEqual(expect.arrayContaining([photo.id, `${photo.id}.thumb`, shared.id]));

      await sweep();
      expect(await sql(`SELECT id FROM media WHERE id = ANY($1::uuid[])`, [[photo.id, shared.id]])).toEqual([{ id: shared.id }]);
      expect(stored()).not.toContain(photo.id);
      expect(stored()).not.toContain(`${photo.id}.thumb`);
      expect(stored()).toContain(shared.id);
      expect((await media.get(bob, `/api/v1/media/${shared.id}`)).statusCode).toBe(200);
    });

    it('takes the reactions of what it deletes, and keeps newer replies to it (without the link)', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const root = await send(ada, room);
      const reply = await inject('POST', `/conversations/${room.id}/messages`, bob, { clientMessageId: randomUUID(), content: 'a reply', replyToId: root });
      expect(reply.statusCode).toBe(201);
      expect((await inject('PUT', `/conversations/${room.id}/messages/${root}/reactions/${encodeURIComponent('👍')}`, bob)).statusCode).toBeLessThan(300);
      await age([root], 10);
      await setFor(ada, room, 7);

      await sweep();
      expect(await historyIds(bob, room)).toEqual([reply.json().id]);
      expect(await sql(`SELECT message_id FROM message_reaction WHERE message_id = $1`, [root])).toEqual([]);
      const [kept] = await sql<{ reply_to_id: string | null }>(`SELECT reply_to_id FROM message WHERE id = $1`, [reply.json().id]);
      expect(kept.reply_to_id).toBeNull();
    });

    it('skips a message someone holds (an edit in flight) and never waits for it; the next run takes it', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const room = await chat.group(ada, [bob]);
      const old = [await send(ada, room), await send(ada, room), await send(ada, room)];
      await age(old, 10);
      await setFor(ada, room, 7);
      const dataSource = running.app.get(DataSource);
      if (!process.env.DATABASE_URL) {
        // The embedded database runs one transaction at a time: no one can hold a row meanwhile.
        await sweep();
        expect(await historyIds(bob, room)).toEqual([]);
        return;
      }
      const holder = dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        await holder.query(`SELECT id FROM message WHERE id = $1 FOR UPDATE`, [old[1]]);
        await sweep();
        // Sends are not held up either.
        await send(bob, room);
        expect((await historyIds(bob, room)).filter((id) => old.includes(id))).toEqual([old[1]]);
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
      await sweep();
      expect((await historyIds(bob, room)).filter((id) => old.includes(id))).toEqual([]);
    });
  });
});

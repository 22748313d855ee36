import pg from 'pg';
import { Jobs, JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Uploads the account to delete has: more than the job's batch of 100, so it takes two transactions. */
const UPLOADS = 150;
const PER_MESSAGE = 10;

/**
 * The `users.delete` job across instances and crashes: it runs on one instance, and a run killed
 * half-way is finished by the retry without undoing or repeating anything. A run is held half-way
 * deterministically: the test share-locks the attachment row of the user's last upload (by id), which
 * only the second batch deletes, so the first batch commits (rows, then files) and the second waits
 * inside its transaction at the delete of the attachments.
 *
 * PostgreSQL only: on the embedded database one open transaction holds the whole engine.
 */
const onServer = Boolean(process.env.DATABASE_URL);
(onServer ? describe : describe.skip)('account deletion: the users.delete job across instances and crashes', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL!;
  const mediaDir = temporaryMediaDir();
  let db: pg.Client;
  let locker: pg.Client;
  const apps: TestApp[] = [];
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
  });

  afterAll(async () => {
    await locker?.query('ROLLBACK').catch(() => undefined);
    await server?.destroy();
    for (const app of apps.reverse()) await app.close();
    await locker?.end();
    await db?.end();
    mediaDir.remove();
  });

  const rows = async <T>(sql: string, parameters: unknown[] = []) => (await db.query(sql, parameters)).rows as T[];
  const count = async (sql: string, parameters: unknown[] = []) => (await rows<{ n: number }>(sql, parameters))[0].n;
  type JobRow = { id: string; state: string; retry_count: number; started_on: Date | null; completed_on: Date | null };
  const jobsOf = (userId: string) =>
    rows<JobRow>(
      `SELECT id, state, retry_count, started_on, completed_on FROM ${JOBS_SCHEMA}.job WHERE name = 'users.delete' AND data->>'userId' = $1 ORDER BY created_on, id`,
      [userId],
    );
  const job = async (id: string) =>
    (await rows<JobRow>(`SELECT id, state, retry_count, started_on, completed_on FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id]))[0];
  const completed = (id: string, timeoutMs: number) =>
    eventually(async () => ((await job(id))?.state === 'completed' ? true : undefined), { timeoutMs, intervalMs: 250, what: `users.delete ${id} completed` });
  /** How many runs wait for the test's lock, inside their second batch. */
  const heldRuns = () =>
    count(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM message_attachment%'`,
    );
  const holdAttachmentOf = async (mediaId: string) => {
    await locker.query('BEGIN');
    const locked = await locker.query(`SELECT media_id FROM message_attachment WHERE media_id = $1 FOR SHARE`, [mediaId]);
    expect(locked.rowCount).toBe(1);
  };
  const release = () => locker.query('ROLLBACK');
  const uploadsLeft = (ids: string[]) => count(`SELECT count(*)::int AS n FROM media WHERE id = ANY($1::uuid[])`, [ids]);
  const attachmentsLeft = (ids: string[]) => count(`SELECT count(*)::int AS n FROM message_attachment WHERE media_id = ANY($1::uuid[])`, [ids]);
  const filesLeft = (ids: string[]) => filesIn(mediaDir.path).filter((path) => ids.some((id) => path.includes(id))).length;

  /**
   * Ada with UPLOADS uploads, ten to a message in a group with Bob; Bob's own upload in the same
   * group. Answers Ada's upload ids sorted (the job's order), her messages and Bob's upload.
   */
  async function seed(running: TestApp) {
    const given = builders(running);
    const chat = chatBuilders(running);
    const media = mediaClient(running);
    const [ada, bob]: GivenUser[] = [await given.user(), await given.user()];
    const room = await chat.group(bob, [ada]);
    const uploadIds: string[] = [];
    for (let n = 0; n < UPLOADS; n += 1) uploadIds.push((await media.uploaded(ada, pdf())).id);
    const messageIds: string[] = [];
    for (let n = 0; n < UPLOADS; n += PER_MESSAGE) {
      messageIds.push((await chat.message(ada, room, `files ${n}`, { attachmentIds: uploadIds.slice(n, n + PER_MESSAGE) })).id);
    }
    const bobs = await media.uploaded(bob, pdf());
    await chat.message(bob, room, 'mine', { attachmentIds: [bobs.id] });
    uploadIds.sort();
    expect(await attachmentsLeft(uploadIds)).toBe(UPLOADS);
    expect(filesLeft(uploadIds)).toBe(UPLOADS);
    return { ada, bob, room, uploadIds, messageIds, bobsUpload: bobs.id };
  }

  const deleteAccount = async (running: TestApp, user: GivenUser) => {
    const answer = await running.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: user.auth, payload: { password: user.password } });
    expect(answer.statusCode).toBe(202);
  };

  /** Everything of Ada's is gone; her messages stay, as "Deleted user" and without attachments; Bob's upload is untouched. */
  async function expectFinished(running: TestApp, world: Awaited<ReturnType<typeof seed>>) {
    const { ada, bob, room, uploadIds, messageIds, bobsUpload } = world;
    expect(await uploadsLeft(uploadIds)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM media WHERE uploader_id = $1`, [ada.id])).toBe(0);
    expect(await attachmentsLeft(uploadIds)).toBe(0);
    expect(filesLeft(uploadIds)).toBe(0);
    expect(await uploadsLeft([bobsUpload])).toBe(1);
    expect(filesLeft([bobsUpload])).toBe(1);
    const history = (await running.app.inject({ method: 'GET', url: `/api/v1/conversations/${room.id}/messages`, headers: bob.auth })).json().items as Array<{
      id: string;
      content: string;
      sender: { displayName: string };
      attachments: Array<{ id: string }>;
    }>;
    const adas = history.filter((message) => messageIds.includes(message.id));
    expect(adas).toHaveLength(messageIds.length);
    for (const message of adas) {
      expect(message.sender.displayName).toBe('Deleted user');
      expect(message.attachments).toEqual([]);
    }
    expect(history.find((message) => message.content === 'mine')!.attachments.map((attachment) => attachment.id)).toEqual([bobsUpload]);
  }

  it('runs on one instance: the other neither runs it nor a second job for the same user while it is active', async () => {
    const env = { MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500' };
    const one = await startTestApp(env);
    apps.push(one);
    const two = await startTestApp(env);
    apps.push(two);
    const world = await seed(two);
    const [first, second] = [world.uploadIds.slice(0, 100), world.uploadIds.slice(100)];

    await holdAttachmentOf(world.uploadIds.at(-1)!);
    await deleteAccount(two, world.ada);
    await eventually(async () => ((await heldRuns()) === 1 && (await uploadsLeft(first)) === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the run is in its second batch',
    });
    const [run] = await jobsOf(world.ada.id);
    expect(run.state).toBe('active');
    // singleton per user: another job for Ada waits while hers is active, on whichever instance.
    const again = (await one.app.get(Jobs).enqueue('users.delete', { userId: world.ada.id }, { singletonKey: world.ada.id }))!;
    expect(again).not.toBeNull();
    expect((await job(again)).state).toBe('created');
    expect(await heldRuns()).toBe(1);
    expect(await uploadsLeft(second)).toBe(UPLOADS - 100);
    expect(filesLeft(first)).toBe(0);
    expect(filesLeft(second)).toBe(UPLOADS - 100);

    await release();
    await completed(run.id, 30_000);
    await completed(again, 30_000);
    const [a, b] = [await job(run.id), await job(again)];
    expect(a.retry_count).toBe(0);
    expect(b.started_on!.getTime()).toBeGreaterThanOrEqual(a.completed_on!.getTime());
    await expectFinished(two, world);

    await two.close();
    apps.pop();
  }, 120_000);

  it('finishes a run whose worker was killed half-way, after the restart, without undoing or repeating anything', async () => {
    // Only the worker process runs jobs from here on.
    for (const app of apps.splice(0).reverse()) await app.close();
    const api = await startTestApp({ MEDIA_DIR: mediaDir.path, JOBS_WORKERS: 'false' });
    apps.push(api);
    const world = await seed(api);
    const [first, second] = [world.uploadIds.slice(0, 100), world.uploadIds.slice(100)];
    const startWorker = () =>
      startServerProcess({ DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' });

    await holdAttachmentOf(world.uploadIds.at(-1)!);
    server = await startWorker();
    await deleteAccount(api, world.ada);
    await eventually(async () => ((await heldRuns()) === 1 && (await uploadsLeft(first)) === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the run is in its second batch',
    });
    // The first batch committed, and its files went after the commit.
    expect(filesLeft(first)).toBe(0);
    expect(await uploadsLeft(second)).toBe(UPLOADS - 100);
    const [run] = await jobsOf(world.ada.id);
    expect(run).toMatchObject({ state: 'active', retry_count: 0 });

    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await server.destroy();
    await release();
    // The killed run's second batch rolled back with its connection; nobody told the queue.
    await eventually(async () => ((await heldRuns()) === 0 ? true : undefined), { timeoutMs: 10_000, what: 'the killed run is gone' });
    expect(await attachmentsLeft(second)).toBe(UPLOADS - 100);
    expect(await uploadsLeft(second)).toBe(UPLOADS - 100);
    expect(filesLeft(second)).toBe(UPLOADS - 100);
    expect((await job(run.id)).state).toBe('active');

    server = await startWorker();
    await completed(run.id, 100_000);
    const done = await job(run.id);
    expect(done.retry_count).toBeGreaterThanOrEqual(1);
    expect(await jobsOf(world.ada.id)).toHaveLength(1);
    await expectFinished(api, world);
  }, 180_000);
});

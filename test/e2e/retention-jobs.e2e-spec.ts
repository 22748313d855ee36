import pg from 'pg';
import { Jobs, JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The retention sweep as a job: one run at a time across instances, and a run killed half-way is
 * finished by the retry. A run is held half-way deterministically: the test locks the `media` table
 * (SHARE), so the sweep deletes the first conversation's messages (no uploads) and then waits inside
 * the second one's first batch, at the delete of its now unreferenced upload.
 *
 * PostgreSQL only: on the embedded database one open transaction holds the whole engine.
 */
const onServer = Boolean(process.env.DATABASE_URL);
(onServer ? describe : describe.skip)('retention: the sweep job across instances and crashes', () => {
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
  const job = async (id: string) =>
    (
      await rows<{ state: string; retry_count: number; started_on: Date | null; completed_on: Date | null }>(
        `SELECT state, retry_count, started_on, completed_on FROM ${JOBS_SCHEMA}.job WHERE name = 'retention.sweep' AND id = $1`,
        [id],
      )
    )[0];
  const completed = (id: string, timeoutMs: number) =>
    eventually(async () => ((await job(id))?.state === 'completed' ? true : undefined), { timeoutMs, intervalMs: 250, what: `sweep ${id} completed` });
  const remaining = async (conversationId: string) =>
    (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM message WHERE conversation_id = $1`, [conversationId]))[0].n;
  /** True once the sweep waits for the test's lock on `media`. */
  const sweepIsHeld = async () =>
    (
      await rows<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM media candidate%'`,
      )
    )[0].n > 0;
  const holdMedia = async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE media IN SHARE MODE');
  };
  const releaseMedia = () => locker.query('ROLLBACK');

  /**
   * Two groups with a 7-day override and old messages: the first by id has three plain ones, the
   * second two, one carrying an upload nothing else carries.
   */
  async function seed(running: TestApp) {
    const given = builders(running);
    const chat = chatBuilders(running);
    const ada: GivenUser = await given.user();
    const rooms = [await chat.group(ada), await chat.group(ada)].sort((a, b) => a.id.localeCompare(b.id));
    const [first, second] = rooms;
    const upload = await mediaClient(running).uploaded(ada, pdf());
    for (let n = 0; n < 3; n += 1) await chat.message(ada, first);
    await chat.message(ada, second);
    await chat.message(ada, second, 'with a file', { attachmentIds: [upload.id] });
    await db.query(`UPDATE message SET created_at = created_at - interval '10 days' WHERE conversation_id = ANY($1::uuid[])`, [rooms.map((room) => room.id)]);
    for (const room of rooms) {
      const answer = await running.app.inject({ method: 'PUT', url: `/api/v1/conversations/${room.id}/retention`, headers: ada.auth, payload: { days: 7 } });
      expect(answer.statusCode).toBe(200);
    }
    return { first: first.id, second: second.id, uploadId: upload.id };
  }

  it('runs on one instance at a time: a second instance waits for the first run to finish', async () => {
    const env = { MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500' };
    const one = await startTestApp(env);
    apps.push(one);
    const two = await startTestApp(env);
    apps.push(two);
    const world = await seed(two);

    await holdMedia();
    const firstRun = (await one.app.get(Jobs).enqueue('retention.sweep', {}))!;
    expect(firstRun).not.toBeNull();
    await eventually(async () => ((await sweepIsHeld()) && (await remaining(world.first)) === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the first run is half-way',
    });
    // stately: one running, one more waiting at most, whichever instance asks.
    const secondRun = (await two.app.get(Jobs).enqueue('retention.sweep', {}))!;
    expect(secondRun).not.toBeNull();
    expect(await two.app.get(Jobs).enqueue('retention.sweep', {})).toBeNull();
    expect(await one.app.get(Jobs).enqueue('retention.sweep', {})).toBeNull();
    expect((await job(firstRun)).state).toBe('active');
    expect((await job(secondRun)).state).toBe('created');

    await releaseMedia();
    await completed(firstRun, 30_000);
    await completed(secondRun, 30_000);
    const [a, b] = [await job(firstRun), await job(secondRun)];
    expect(b.started_on!.getTime()).toBeGreaterThanOrEqual(a.completed_on!.getTime());
    expect(await remaining(world.second)).toBe(0);
    expect(await rows(`SELECT id FROM media WHERE id = $1`, [world.uploadId])).toEqual([]);
    expect(filesIn(mediaDir.path).some((path) => path.endsWith(world.uploadId))).toBe(false);

    await two.close();
    apps.pop();
  }, 90_000);

  it('finishes a run whose instance was killed half-way, after the restart', async () => {
    const producer = apps[0] ?? (await startTestApp({ MEDIA_DIR: mediaDir.path }));
    if (!apps.length) apps.push(producer);
    // Only the worker process runs jobs from here on.
    await producer.close();
    apps.pop();
    const api = await startTestApp({ MEDIA_DIR: mediaDir.path, JOBS_WORKERS: 'false' });
    apps.push(api);
    const world = await seed(api);
    const startWorker = () =>
      startServerProcess({ DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' });

    await holdMedia();
    server = await startWorker();
    const id = (await api.app.get(Jobs).enqueue('retention.sweep', {}))!;
    expect(id).not.toBeNull();
    await eventually(async () => ((await sweepIsHeld()) && (await remaining(world.first)) === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the run is half-way',
    });
    expect(await remaining(world.second)).toBe(2);

    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await server.destroy();
    await releaseMedia();
    // The killed run's batch rolled back with its connection; nobody told the queue.
    await eventually(async () => ((await remaining(world.second)) === 2 ? true : undefined), { timeoutMs: 10_000, what: 'the batch rolled back' });
    expect((await job(id)).state).toBe('active');

    server = await startWorker();
    await completed(id, 90_000);
    expect((await job(id)).retry_count).toBe(1);
    expect(await remaining(world.second)).toBe(0);
    expect(await rows(`SELECT id FROM media WHERE id = $1`, [world.uploadId])).toEqual([]);
    expect(await rows(`SELECT id FROM chat_event WHERE conversation_id = ANY($1::uuid[]) AND message_id IS NOT NULL`, [[world.first, world.second]])).toEqual(
      [],
    );
  }, 150_000);
});

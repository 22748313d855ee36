import pg from 'pg';
import { DataSource } from 'typeorm';
import { Jobs, JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { uniqueName } from '../support/given.js';
import { createExecutionTable, executions, installTestJobs, QUEUE_JOBS } from '../support/jobs/test-jobs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  data: { tag?: string };
}

/** Fast polling and upkeep, so a retry or a count shows up within a second or two. */
const FAST = { JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The job queue on the run's database (embedded PGlite behind the wire server, or PostgreSQL), driven
 * through the module's public API with test-only jobs; what happened is read from the execution table
 * the test handlers write and from pg-boss's own tables.
 */
describe('jobs: one queue on PostgreSQL (pg-boss)', () => {
  let db: pg.Client;
  const running: TestApp[] = [];
  const rows = async (sql: string, parameters?: unknown[]) => (await db.query(sql, parameters)).rows;

  async function start(instance: string, env: Record<string, string> = {}, { handlers = true } = {}) {
    const app = await startTestApp({ ...FAST, ...env });
    running.push(app);
    const jobs = await installTestJobs(app.app.get(Jobs), QUEUE_JOBS, { dataSource: app.app.get(DataSource), instance, handlers });
    return { app, jobs, dataSource: app.app.get(DataSource) };
  }

  async function close(app: TestApp) {
    running.splice(running.indexOf(app), 1);
    await app.close();
  }

  async function job(id: string): Promise<JobRow | undefined> {
    const { rows } = await db.query<JobRow>(`SELECT id, name, state, retry_count, data FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id]);
    return rows[0];
  }

  const jobInState = (id: string, state: string, timeoutMs = 30_000) =>
    eventually(async () => ((await job(id))?.state === state ? true : undefined), { timeoutMs, what: `job ${id} ${state}` });

  const finishedRuns = (tag: string, count: number, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const runs = await executions(rows, tag);
        return runs.filter((run) => run.finished_at).length >= count ? runs : undefined;
      },
      { timeoutMs, what: `${count} finished run(s) of ${tag}` },
    );

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    await createExecutionTable((sql) => db.query(sql));
  });

  afterEach(async () => {
    for (const app of running.splice(0).reverse()) await app.close();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('runs a job enqueued in a transaction that commits exactly once, and never one whose transaction rolled back', async () => {
    const { jobs, dataSource } = await start('a');
    const tag = uniqueName('commit');
    let rolledBack: string | null = null;
    await expect(
      dataSource.transaction(async (manager) => {
        rolledBack = await jobs.enqueue('jobs-e2e.record', { tag: `${tag}-rolled-back` }, { manager });
        throw new Error('roll the change back');
      }),
    ).rejects.toThrow('roll the change back');
    const committed = await dataSource.transaction((manager) => jobs.enqueue('jobs-e2e.record', { tag }, { manager }));

    // The rolled-back job had an id inside its transaction, and left nothing behind: nothing can run it.
    expect(rolledBack).toMatch(UUID);
    expect(await job(rolledBack!)).toBeUndefined();
    await jobInState(committed!, 'completed');
    const runs = await executions(rows, tag);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ job_id: committed, attempt: 1, outcome: 'completed', instance: 'a' });
    expect(await executions(rows, `${tag}-rolled-back`)).toEqual([]);
  });

  it('refuses a manager that is not inside a transaction, and jobs it does not know', async () => {
    const { jobs, dataSource } = await start('a');
    await expect(jobs.enqueue('jobs-e2e.record', { tag: uniqueName('no-tx') }, { manager: dataSource.manager })).rejects.toThrow(/running transaction/);
    await expect(jobs.enqueue('jobs-e2e.nope' as never, {} as never)).rejects.toThrow(/no job named jobs-e2e\.nope/);
    await expect(jobs.registerHandler('jobs-e2e.record', async () => {})).rejects.toThrow(/already has a handler/);
  });

  it('retries a failing job with growing delays and, after its last attempt, keeps it dead in <name>.dead', async () => {
    const { app, jobs } = await start('a');
    const tag = uniqueName('failing');
    const id = await jobs.enqueue('jobs-e2e.failing', { tag, behavior: 'fail' });
    await jobInState(id!, 'failed');

    const runs = await executions(rows, tag);
    expect(runs.map((run) => [run.attempt, run.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ]);
    // Exponential backoff from 1 s: at least 1 s before the first retry, at least 2 s before the second.
    const waited = (before: number) => runs[before + 1].started_at.getTime() - runs[before].finished_at!.getTime();
    expect(waited(0)).toBeGreaterThanOrEqual(1_000);
    expect(waited(1)).toBeGreaterThanOrEqual(2_000);
    expect(await job(id!)).toMatchObject({ state: 'failed', retry_count: 2 });
    const { rows: dead } = await db.query<JobRow>(`SELECT id, name, state, retry_count, data FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND data->>'tag' = $2`, [
      'jobs-e2e.failing.dead',
      tag,
    ]);
    expect(dead).toHaveLength(1);
    expect(dead[0].data).toEqual({ tag, behavior: 'fail' });

    // Counted on this instance: two retries, one final failure; the dead job shows in the queue gauge.
    const metrics = async () => (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    const text = await metrics();
    expect(text).toContain('chat_jobs_retried_total{name="jobs-e2e.failing"} 2');
    expect(text).toContain('chat_jobs_failed_total{name="jobs-e2e.failing"} 1');
    expect(text).toMatch(/chat_job_duration_seconds_count\{name="jobs-e2e\.failing",outcome="failed"\} 3/);
    await eventually(async () => ((await metrics()).includes('chat_jobs_queued{name="jobs-e2e.failing",state="dead"} 1') ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the dead job counted in chat_jobs_queued',
    });
  });

  it('never runs one job twice across two instances, and runs nothing on an instance with JOBS_WORKERS=false', async () => {
    await start('a');
    await start('b');
    // Handlers registered here too, yet with workers off this instance must only enqueue.
    const api = await start('api', { JOBS_WORKERS: 'false' });
    const tag = uniqueName('shared');
    // Each run waits until both instances started one, so neither can take them all.
    const ids = await Promise.all(Array.from({ length: 40 }, () => api.jobs.enqueue('jobs-e2e.record', { tag, behavior: 'meet', instances: 2 })));

    const runs = await finishedRuns(tag, ids.length);
    expect(runs).toHaveLength(ids.length);
    expect(new Set(runs.map((run) => run.job_id))).toEqual(new Set(ids));
    expect(new Set(runs.map((run) => run.instance))).toEqual(new Set(['a', 'b']));
    expect(runs.every((run) => run.attempt === 1 && run.outcome === 'completed')).toBe(true);
  });

  it('lets a job with an exclusive policy wait once per key: a second one is turned away (null)', async () => {
    const { jobs } = await start('api', { JOBS_WORKERS: 'false' });
    const key = uniqueName('key');
    const first = await jobs.enqueue('jobs-e2e.exclusive', { tag: key }, { singletonKey: key });
    const second = await jobs.enqueue('jobs-e2e.exclusive', { tag: key }, { singletonKey: key });
    const otherKey = await jobs.enqueue('jobs-e2e.exclusive', { tag: key }, { singletonKey: `${key}-other` });
    expect(first).toMatch(UUID);
    expect(second).toBeNull();
    expect(otherKey).toMatch(UUID);
    expect(await jobs.cancel('jobs-e2e.exclusive', first!)).toBe(true);
    expect(await jobs.cancel('jobs-e2e.exclusive', otherKey!)).toBe(true);
    expect(await job(first!)).toMatchObject({ state: 'cancelled' });
  });

  it('starts a delayed job no earlier than startAfter, and cancels one in the caller’s transaction', async () => {
    const { jobs, dataSource } = await start('a');
    const tag = uniqueName('delayed');
    const startAfter = new Date(Date.now() + 2_000);
    const id = await jobs.enqueue('jobs-e2e.record', { tag }, { startAfter });
    const cancelled = await jobs.enqueue('jobs-e2e.record', { tag: `${tag}-cancelled` }, { startAfter: new Date(Date.now() + 3_600_000) });
    await dataSource.transaction((manager) => jobs.cancel('jobs-e2e.record', cancelled!, { manager }));

    const [run] = await finishedRuns(tag, 1);
    expect(run.job_id).toBe(id);
    expect(run.started_at.getTime()).toBeGreaterThanOrEqual(startAfter.getTime() - 50);
    expect(await job(cancelled!)).toMatchObject({ state: 'cancelled' });
  });

  it('lets a running job finish when the app closes, within SHUTDOWN_TIMEOUT_MS', async () => {
    const { app, jobs } = await start('a', { SHUTDOWN_TIMEOUT_MS: '5000' });
    const tag = uniqueName('drain');
    const id = await jobs.enqueue('jobs-e2e.slow', { tag, behavior: 'sleep', ms: 1_500 });
    await eventually(async () => ((await executions(rows, tag)).length ? true : undefined), { timeoutMs: 15_000, what: 'the slow job started' });

    const closing = Date.now();
    await close(app);
    expect(Date.now() - closing).toBeLessThan(5_000);
    expect((await executions(rows, tag)).map((run) => run.outcome)).toEqual(['completed']);
    expect(await job(id!)).toMatchObject({ state: 'completed' });
  });

  it('does not let a job that never finishes hold the shutdown: close() returns in time, and the job runs again elsewhere', async () => {
    const { app, jobs } = await start('a', { SHUTDOWN_TIMEOUT_MS: '2000' });
    const tag = uniqueName('stuck');
    const id = await jobs.enqueue('jobs-e2e.slow', { tag, behavior: 'hang-first' });
    await eventually(async () => ((await executions(rows, tag)).length ? true : undefined), { timeoutMs: 15_000, what: 'the stuck job started' });

    const closing = Date.now();
    await close(app);
    expect(Date.now() - closing).toBeLessThan(2_000);
    expect(await job(id!)).toMatchObject({ state: 'retry' });

    await start('b');
    const runs = await finishedRuns(tag, 1);
    expect(runs.map((run) => [run.instance, run.attempt, run.outcome])).toEqual([
      ['a', 1, null],
      ['b', 2, 'completed'],
    ]);
    await jobInState(id!, 'completed');
  });
});

import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { Jobs, JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { uniqueName } from '../support/given.js';
import { CRASH_JOBS, createExecutionTable, executions, installTestJobs } from '../support/jobs/test-jobs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const WORKER = join(process.cwd(), 'test/support/jobs/worker-server.ts');

/**
 * The worker is the built server in a process of its own (test/support/jobs/worker-server.ts), so
 * SIGKILL is a real crash: no shutdown hook tells the queue anything, its connections are cut mid-run.
 */
describe('jobs: a worker process killed in the middle of a job', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL!;
  let db: pg.Client;
  let server: ServerProcess | undefined;
  let producer: TestApp | undefined;
  const rows = async (sql: string, parameters?: unknown[]) => (await db.query(sql, parameters)).rows;

  const startWorker = (instance: string) =>
    startServerProcess(
      { DATABASE_URL: databaseUrl, JOBS_TEST_CATALOG: 'crash', JOBS_TEST_INSTANCE: instance, JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' },
      { main: WORKER },
    );

  const state = async (id: string) => (await db.query<{ state: string }>(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id])).rows[0]?.state;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await createExecutionTable(rows);
  });

  afterAll(async () => {
    await server?.destroy();
    await producer?.close();
    await db?.end();
  });

  it('runs it again after the restart, to completion', async () => {
    server = await startWorker('first');
    // An API-only instance enqueues; only the worker process runs jobs.
    producer = await startTestApp({ JOBS_WORKERS: 'false' });
    const jobs = await installTestJobs(producer.app.get(Jobs), CRASH_JOBS, { dataSource: producer.app.get(DataSource), instance: 'api', handlers: false });
    const tag = uniqueName('crash');
    const id = (await jobs.enqueue('jobs-crash.run', { tag, behavior: 'hang-first' }))!;
    await eventually(async () => ((await executions(rows, tag)).length ? true : undefined), { timeoutMs: 30_000, what: 'the first run started' });

    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await server.destroy();
    // Nobody told the queue: the job is still held by the dead process.
    expect(await state(id)).toBe('active');

    server = await startWorker('second');
    const runs = await eventually(
      async () => {
        const all = await executions(rows, tag);
        return all.some((run) => run.finished_at) ? all : undefined;
      },
      { timeoutMs: 60_000, what: 'the job finished after the restart' },
    );
    expect(runs.map((run) => [run.instance, run.attempt, run.outcome])).toEqual([
      ['first', 1, null],
      ['second', 2, 'completed'],
    ]);
    await eventually(async () => ((await state(id)) === 'completed' ? true : undefined), { timeoutMs: 10_000, what: 'the job completed' });
  }, 120_000);
});

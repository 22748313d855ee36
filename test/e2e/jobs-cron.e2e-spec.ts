import pg from 'pg';
import { DataSource } from 'typeorm';
import { Jobs } from '../../src/jobs/jobs.service.js';
import { eventually, sleep } from '../support/faults/ports.js';
import { createExecutionTable, CRON_JOBS, executions, installTestJobs } from '../support/jobs/test-jobs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE_MS = 60_000;

/**
 * Two instances declare the same cron job ('* * * * *', the finest pg-boss schedules), so this suite
 * waits for two real occurrences: one to two minutes.
 */
describe('jobs: a cron job on two instances', () => {
  let db: pg.Client;
  const running: TestApp[] = [];
  const rows = async (sql: string, parameters?: unknown[]) => (await db.query(sql, parameters)).rows;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    await createExecutionTable(rows);
  });

  afterAll(async () => {
    for (const app of running.reverse()) await app.close();
    await db?.end();
  });

  it('runs once per occurrence, whichever instance takes it', async () => {
    // Runs are told apart by the minute they start in: keep the first one (the occurrence still due
    // when the schedule appears) clear of a minute's end.
    const second = new Date().getUTCSeconds();
    if (second >= 50) await sleep((61 - second) * 1000);
    for (const instance of ['a', 'b']) {
      const app = await startTestApp({ JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' });
      running.push(app);
      await installTestJobs(app.app.get(Jobs), CRON_JOBS, { dataSource: app.app.get(DataSource), instance });
    }
    const runs = await eventually(
      async () => {
        const all = await executions(rows, 'jobs-cron.tick');
        return all.filter((run) => run.finished_at).length >= 2 ? all : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 250, what: 'two occurrences of the cron job' },
    );
    const minutes = runs.map((run) => Math.floor(run.started_at.getTime() / MINUTE_MS));
    expect(new Set(minutes).size).toBe(runs.length);
    expect(minutes[minutes.length - 1] - minutes[0]).toBe(runs.length - 1);
    expect(runs.every((run) => run.outcome === 'completed' && ['a', 'b'].includes(run.instance))).toBe(true);

    const jobs = running[0].app.get(Jobs) as unknown as Jobs<typeof CRON_JOBS>;
    await jobs.unschedule('jobs-cron.tick');
    expect(await rows(`SELECT 1 FROM pgboss.schedule WHERE name = 'jobs-cron.tick'`)).toEqual([]);
  }, 200_000);
});

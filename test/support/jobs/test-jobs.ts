/**
 * Test-only jobs, registered through the job module's public API (`Jobs.define`, `Jobs.registerHandler`)
 * by the jobs suites and by the worker process they spawn (`worker-server.ts`). Node runs this file
 * directly in that process (type stripping), so it imports nothing but types.
 */
import type { DataSource } from 'typeorm';
import type { JobCatalog, JobDefinition, JobHandlerFn, JobOptions } from '../../../src/jobs/job-definition.js';
import type { Jobs } from '../../../src/jobs/jobs.service.js';

export interface TestPayload {
  /** The test case; executions are counted per tag. Cron jobs (no payload) use the job's name. */
  tag?: string;
  /**
   * record (default): record the run and finish. fail: throw. hang: never finish (and ignore the
   * abort). hang-first: hang on the first attempt, finish on the next. sleep: finish after `ms`.
   * meet: finish once runs of this tag started on `instances` instances (or after 20 s).
   */
  behavior?: 'record' | 'fail' | 'hang' | 'hang-first' | 'sleep' | 'meet';
  ms?: number;
  instances?: number;
}

const testJob = (options: JobOptions): JobDefinition<TestPayload> => options;

export const QUEUE_JOBS = {
  'jobs-e2e.record': testJob({ retry: { attempts: 1, delaySeconds: 1 }, concurrency: 2 }),
  'jobs-e2e.failing': testJob({ retry: { attempts: 3, delaySeconds: 1 } }),
  'jobs-e2e.slow': testJob({ retry: { attempts: 2, delaySeconds: 1 } }),
  'jobs-e2e.exclusive': testJob({ retry: { attempts: 1, delaySeconds: 1 }, policy: 'exclusive' }),
} satisfies JobCatalog;

/** The heartbeat is what finds a run whose process died: 10 s of silence (the least pg-boss allows). */
export const CRASH_JOBS = {
  'jobs-crash.run': testJob({ retry: { attempts: 3, delaySeconds: 1 }, heartbeatSeconds: 10 }),
} satisfies JobCatalog;

export const CRON_JOBS = {
  'jobs-cron.tick': { retry: { attempts: 1, delaySeconds: 1 }, cron: '* * * * *' } as JobDefinition<Record<string, never>>,
} satisfies JobCatalog;

export const TEST_CATALOGS = { queue: QUEUE_JOBS, crash: CRASH_JOBS, cron: CRON_JOBS };

export interface Execution {
  id: string;
  job_name: string;
  job_id: string;
  tag: string;
  instance: string;
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  outcome: string | null;
}

type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/** Every run of a test job is a row here: what counting "ran once" means. Create it before any app runs a job. */
export async function createExecutionTable(query: Query): Promise<void> {
  await query('CREATE SCHEMA IF NOT EXISTS jobs_test');
  await query(`CREATE TABLE IF NOT EXISTS jobs_test.execution (
    id bigserial PRIMARY KEY,
    job_name text NOT NULL,
    job_id uuid NOT NULL,
    tag text NOT NULL,
    instance text NOT NULL,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    outcome text
  )`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Records each run in `jobs_test.execution` and behaves as the payload says. */
export function recordingHandler(dataSource: DataSource, instance: string, name: string): JobHandlerFn<TestPayload> {
  return async (payload, { id, attempt }) => {
    const tag = payload.tag ?? name;
    const [{ id: row }]: Array<{ id: string }> = await dataSource.query(
      'INSERT INTO jobs_test.execution (job_name, job_id, tag, instance, attempt) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [name, id, tag, instance, attempt],
    );
    const finish = (outcome: string) =>
      dataSource.query('UPDATE jobs_test.execution SET finished_at = clock_timestamp(), outcome = $2 WHERE id = $1', [row, outcome]);
    const behavior = payload.behavior ?? 'record';
    if (behavior === 'fail') {
      await finish('failed');
      throw new Error(`${tag} fails on purpose (attempt ${attempt})`);
    }
    if (behavior === 'hang' || (behavior === 'hang-first' && attempt === 1)) await new Promise<never>(() => {});
    if (behavior === 'sleep') await sleep(payload.ms ?? 0);
    if (behavior === 'meet') await meet(dataSource, tag, payload.instances ?? 2);
    await finish('completed');
  };
}

async function meet(dataSource: DataSource, tag: string, instances: number) {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(50)) {
    const [{ count }]: Array<{ count: number }> = await dataSource.query(
      'SELECT count(DISTINCT instance)::int AS count FROM jobs_test.execution WHERE tag = $1',
      [tag],
    );
    if (count >= instances) return;
  }
}

/** Defines the catalog on this app's job queue and, unless `handlers` is false, runs every job of it here. */
export async function installTestJobs<E extends JobCatalog>(
  jobs: Jobs,
  catalog: E,
  { dataSource, instance, handlers = true }: { dataSource: DataSource; instance: string; handlers?: boolean },
) {
  const typed = await jobs.define(catalog);
  if (handlers) {
    for (const name of Object.keys(catalog)) {
      await typed.registerHandler(name as keyof E & string, recordingHandler(dataSource, instance, name) as JobHandlerFn<any>);
    }
  }
  return typed;
}

/** The runs of a test case, oldest first; `query` answers rows. */
export async function executions(query: Query, tag: string): Promise<Execution[]> {
  return (await query('SELECT * FROM jobs_test.execution WHERE tag = $1 ORDER BY started_at, id', [tag])) as Execution[];
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type JobWithMetadata, PgBoss, type QueueResult, type SendOptions } from 'pg-boss';
import type { Counter, Histogram } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { type AppJobs, JOBS } from './job-catalog.js';
import {
  DEAD_LETTER_RETENTION_SECONDS,
  deadLetterQueueOf,
  type JobCatalog,
  type JobDefinition,
  type JobHandlerFn,
  type PayloadOf,
  queueOptions,
} from './job-definition.js';
import { JOB_DURATION_SECONDS, JOBS_COMPLETED, JOBS_FAILED, JOBS_RETRIED } from './jobs.metrics.js';
import { transactionExecutor } from './transaction-executor.js';

/** pg-boss keeps its tables, functions and migrations in this schema, apart from TypeORM's. */
export const JOBS_SCHEMA = 'pgboss';
/** Share of SHUTDOWN_TIMEOUT_MS that running jobs get to finish before they are failed (and retried). */
const DRAIN_SHARE = 0.6;
/** Past this share of SHUTDOWN_TIMEOUT_MS, shutdown goes on without waiting for the queue any longer. */
const STOP_SHARE = 0.8;

export interface EnqueueOptions {
  /** The caller's transaction: the job exists if and only if it commits. */
  manager?: EntityManager;
  /** Not before this time. */
  startAfter?: Date;
  /** Narrows the job's policy (`singleton`, `exclusive`, …, `key_strict_fifo`) to jobs with this key. */
  singletonKey?: string;
  /**
   * The job's id (a UUID). Jobs enqueued in one transaction share their creation time, and the queue
   * then orders them by id: a `key_strict_fifo` caller that enqueues several jobs of one key at once
   * gives them increasing ids (`orderedJobId()`) to keep its order.
   */
  id?: string;
}

export interface QueueDepth {
  name: string;
  ready: number;
  deferred: number;
  active: number;
  dead: number;
}

type NameOf<C> = keyof C & string;

/**
 * The job queue: pg-boss on the application's PostgreSQL (embedded or real), in the `pgboss` schema.
 * Jobs are declared in `JOBS` (job-catalog.ts); features enqueue them — inside their own transaction
 * when the job must exist exactly when their change does — and register one handler per job.
 * Runs are claimed with SKIP LOCKED, so each run has one runner across all instances; failed runs are
 * retried with exponential backoff and, after the last attempt, copied to `<name>.dead`. An instance
 * started with JOBS_WORKERS=false enqueues but runs nothing.
 */
@Injectable()
export class Jobs<C extends JobCatalog = AppJobs> implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly definitions = new Map<string, JobDefinition>(Object.entries(JOBS));
  private readonly handlers = new Map<string, JobHandlerFn<object>>();
  private boss: PgBoss | undefined;
  /** Workers run from application bootstrap until shutdown, on an instance with JOBS_WORKERS on. */
  private working = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    @InjectMetric(JOBS_COMPLETED) private readonly completed: Counter<string>,
    @InjectMetric(JOBS_RETRIED) private readonly retried: Counter<string>,
    @InjectMetric(JOBS_FAILED) private readonly failed: Counter<string>,
    @InjectMetric(JOB_DURATION_SECONDS) private readonly duration: Histogram<string>,
  ) {}

  /** After TypeORM's migrations (the data source is ready by now), before any feature's bootstrap. */
  async onModuleInit() {
    const { jobs } = this.config;
    const boss = new PgBoss({
      // The URL TypeORM connects to: DATABASE_URL, or the embedded server's.
      connectionString: (this.dataSource.options as { url: string }).url,
      schema: JOBS_SCHEMA,
      application_name: 'chat-backend jobs',
      max: jobs.poolSize,
      connectionTimeoutMillis: 3_000,
      migrate: true,
      supervise: jobs.workers,
      schedule: jobs.workers,
      superviseIntervalSeconds: jobs.superviseIntervalSeconds,
      monitorIntervalSeconds: jobs.superviseIntervalSeconds,
      // pg-boss's defaults (30 s, 5 s) unless the upkeep runs more often than that.
      cronMonitorIntervalSeconds: Math.min(30, jobs.superviseIntervalSeconds),
      cronWorkerIntervalSeconds: Math.min(5, jobs.superviseIntervalSeconds),
      // The registry costs statements at every start and stop, and a write per instance every 30 s.
      registerInstance: false,
    });
    boss.on('error', (error) => this.logger.error({ err: error }, `job queue: ${error.message}`));
    boss.on('warning', (warning) => this.logger.warn({ warning: warning.data }, `job queue: ${warning.message}`));
    await boss.start({ attempts: 3 });
    this.boss = boss;
    await this.provideQueues(this.definitions);
  }

  async onApplicationBootstrap() {
    if (!this.config.jobs.workers) return;
    this.working = true;
    for (const name of this.handlers.keys()) await this.startWorker(name);
  }

  /** Lets running jobs finish within the shutdown deadline; what is still running then is failed and retried. */
  async onModuleDestroy() {
    const boss = this.boss;
    if (!boss) return;
    this.working = false;
    this.boss = undefined;
    const { shutdownTimeoutMs } = this.config;
    let giveUp: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (giveUp = setTimeout(() => resolve('late'), shutdownTimeoutMs * STOP_SHARE)));
    const stopped = boss.stop({ graceful: true, timeout: Math.floor(shutdownTimeoutMs * DRAIN_SHARE) }).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'the job queue did not stop cleanly');
    });
    const outcome = await Promise.race([stopped, deadline]);
    clearTimeout(giveUp);
    if (outcome === 'late') this.logger.warn('the job queue did not stop before the shutdown deadline; its unfinished jobs run again elsewhere');
  }

  /**
   * Adds jobs beside `JOBS` (tests and tools; the application's own jobs belong in `JOBS`). The same name
   * with another definition is refused. Answers this service, typed with the added jobs.
   */
  async define<E extends JobCatalog>(catalog: E): Promise<Jobs<C & E>> {
    const added = new Map<string, JobDefinition>();
    for (const [name, definition] of Object.entries(catalog)) {
      const known = this.definitions.get(name);
      if (known && known !== definition) throw new Error(`Jobs: ${name} is already defined`);
      if (!known) added.set(name, definition);
    }
    for (const [name, definition] of added) this.definitions.set(name, definition);
    if (this.boss) await this.provideQueues(added);
    return this as unknown as Jobs<C & E>;
  }

  /**
   * Enqueues a job; answers its id, or null when the job's policy turned it away (a `singleton` or
   * `exclusive` job with one already waiting, for instance). With `manager`, the job is written in
   * that transaction — always pass it inside a transaction: on the embedded database a statement on
   * another connection waits for the transaction to end.
   */
  async enqueue<N extends NameOf<C>>(name: N, payload: PayloadOf<C[N]>, options: EnqueueOptions = {}): Promise<string | null> {
    const boss = this.started();
    this.definitionOf(name);
    const send: SendOptions = {};
    if (options.manager) send.db = transactionExecutor(options.manager);
    if (options.startAfter) send.startAfter = options.startAfter;
    if (options.singletonKey !== undefined) send.singletonKey = options.singletonKey;
    if (options.id !== undefined) send.id = options.id;
    return boss.send(name, payload, send);
  }

  /** Cancels a job that has not finished (a scheduled message taken back, say); with `manager`, in that transaction. */
  async cancel<N extends NameOf<C>>(name: N, id: string, options: { manager?: EntityManager } = {}): Promise<boolean> {
    const boss = this.started();
    // pg-boss answers { jobs, requested, affected }; its type declaration leaves the fields out.
    const response = (await boss.cancel(name, id, options.manager ? { db: transactionExecutor(options.manager) } : undefined)) as { affected?: number };
    return (response.affected ?? 0) > 0;
  }

  /**
   * Runs the job on a cron expression (UTC, five fields, at most once a minute), once per occurrence
   * across every instance. Jobs with `cron` in their definition are scheduled at start-up by themselves.
   */
  async schedule<N extends NameOf<C>>(name: N, cron: string, payload: PayloadOf<C[N]>): Promise<void> {
    this.definitionOf(name);
    await this.started().schedule(name, cron, payload, { tz: 'UTC', missed: 'once' });
  }

  async unschedule<N extends NameOf<C>>(name: N): Promise<void> {
    await this.started().unschedule(name);
  }

  /** Moves dead jobs of `name` back into its queue, to run again; answers how many. */
  async redrive<N extends NameOf<C>>(name: N): Promise<number> {
    return this.started().redrive(deadLetterQueueOf(name), { destination: name });
  }

  /**
   * The handler of a job on this instance (one per job), usually from a feature's `onModuleInit`. It runs
   * from application bootstrap on, and at once when registered later.
   */
  async registerHandler<N extends NameOf<C>>(name: N, handler: JobHandlerFn<PayloadOf<C[N]>>): Promise<void> {
    this.definitionOf(name);
    if (this.handlers.has(name)) throw new Error(`Jobs: ${name} already has a handler`);
    this.handlers.set(name, handler as JobHandlerFn<object>);
    if (this.working) await this.startWorker(name);
  }

  /** Jobs per state for every defined job, as the queue's upkeep last counted them. */
  async depths(): Promise<QueueDepth[]> {
    const boss = this.boss;
    const names = [...this.definitions.keys()];
    if (!boss || !names.length) return [];
    const queues = new Map((await boss.getQueues([...names, ...names.map(deadLetterQueueOf)])).map((queue) => [queue.name, queue]));
    return names.map((name) => {
      const queue = queues.get(name);
      return {
        name,
        ready: queue?.readyCount ?? 0,
        deferred: queue?.deferredCount ?? 0,
        active: queue?.activeCount ?? 0,
        dead: queues.get(deadLetterQueueOf(name))?.queuedCount ?? 0,
      };
    });
  }

  private started(): PgBoss {
    if (!this.boss) throw new Error('Jobs: the job queue is not running (before module init, or after shutdown)');
    return this.boss;
  }

  private definitionOf(name: string): JobDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`Jobs: no job named ${name}; declare it in JOBS (src/jobs/job-catalog.ts)`);
    return definition;
  }

  /**
   * Gives each job its queue and dead letter queue, created or brought up to its definition. One read
   * when nothing changed (the usual start), so starting an instance stays cheap.
   */
  private async provideQueues(definitions: Map<string, JobDefinition>) {
    if (!definitions.size) return;
    const boss = this.started();
    const names = [...definitions.keys()];
    const existing = new Map((await boss.getQueues([...names, ...names.map(deadLetterQueueOf)])).map((queue) => [queue.name, queue]));
    for (const [name, definition] of definitions) {
      const { policy, ...settings } = queueOptions(name, definition);
      const deadLetters = deadLetterQueueOf(name);
      if (!existing.has(deadLetters)) await boss.createQueue(deadLetters, { retryLimit: 0, retentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
      const queue = existing.get(name);
      if (!queue) await boss.createQueue(name, { policy, ...settings });
      else if (differs(queue, settings)) await boss.updateQueue(name, settings);
      if (queue && queue.policy !== policy)
        this.logger.warn(`job ${name} keeps its queue's policy ${queue.policy}, not ${policy}: a policy is fixed at creation, rename the job to change it`);
      if (definition.cron) await boss.schedule(name, definition.cron, {}, { tz: 'UTC', missed: 'once' });
    }
  }

  /**
   * One pg-boss worker per unit of concurrency. A worker that just ran a job is woken at once to fetch
   * the next, instead of waiting out its polling interval: a backlog drains as fast as handlers run,
   * and only an idle worker polls.
   */
  private async startWorker(name: string) {
    const boss = this.started();
    const handler = this.handlers.get(name)!;
    const { concurrency = 1 } = this.definitionOf(name);
    for (let slot = 0; slot < concurrency; slot++) {
      // Declared before the call: the handler may run before `work` resolves, and must then see undefined.
      const worker: { id?: string } = {};
      worker.id = await boss.work(
        name,
        { includeMetadata: true, pollingIntervalSeconds: this.config.jobs.pollIntervalMs / 1000 },
        async ([job]: JobWithMetadata<object>[]) => {
          try {
            await this.run(name, handler, job);
          } finally {
            if (worker.id) boss.notifyWorker(worker.id);
          }
        },
      );
    }
  }

  private async run(name: string, handler: JobHandlerFn<object>, job: JobWithMetadata<object>) {
    const attempt = job.retryCount + 1;
    const attempts = job.retryLimit + 1;
    const timer = this.duration.startTimer({ name });
    try {
      await handler(job.data, { id: job.id, attempt, attempts, signal: job.signal });
      timer({ outcome: 'completed' });
      this.completed.inc({ name });
    } catch (error) {
      timer({ outcome: 'failed' });
      const fields = { err: error, job: name, jobId: job.id, attempt, attempts };
      if (attempt >= attempts) {
        this.failed.inc({ name });
        this.logger.error(fields, `job ${name} failed for the last time (attempt ${attempt} of ${attempts}); it is in ${deadLetterQueueOf(name)}`);
      } else {
        this.retried.inc({ name });
        this.logger.warn(fields, `job ${name} failed (attempt ${attempt} of ${attempts}); it will be retried`);
      }
      throw error;
    }
  }
}

function differs(queue: QueueResult, settings: Record<string, unknown>): boolean {
  return Object.entries(settings).some(([key, value]) => (queue as unknown as Record<string, unknown>)[key] !== value);
}

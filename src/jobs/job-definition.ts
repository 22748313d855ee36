import type { Queue } from 'pg-boss';

/**
 * How a job's queue lets jobs wait and run, across every instance (pg-boss queue policies):
 * - `standard`: any number queued and running.
 * - `singleton`: one running at a time (one per `singletonKey` when given); the others wait.
 * - `stately`: at most one waiting and one running (per `singletonKey`); enqueueing more answers null.
 * - `exclusive`: at most one waiting or running (per `singletonKey`); enqueueing more answers null.
 * - `short`: at most one waiting (per `singletonKey`), any number running.
 * - `key_strict_fifo`: one at a time per `singletonKey`, in the order they were enqueued; a job that is
 *   waiting for a retry holds back the later ones of its key. Every enqueue needs a `singletonKey`.
 *
 * A queue's policy is fixed when it is first created: to change it, give the job a new name.
 */
export type JobPolicy = 'standard' | 'singleton' | 'stately' | 'exclusive' | 'short' | 'key_strict_fifo';

/** What happens after a run fails: its handler threw, it ran past `timeoutSeconds`, or its worker died. */
export interface RetryPolicy {
  /** Runs in all, the first included. After the last failed one the job is dead (see `JobOptions`). */
  attempts: number;
  /** Wait before the first retry, whole seconds ≥ 1: between this and twice this (jitter); each later one doubles. */
  delaySeconds: number;
  /** The longest wait between two runs. Default: no limit. */
  maxDelaySeconds?: number;
}

export interface JobOptions {
  retry: RetryPolicy;
  /** Handlers of this job running at once on one instance. Default 1. */
  concurrency?: number;
  /** Default `standard`. */
  policy?: JobPolicy;
  /** The longest one run may take; past it the run counts as failed. Default 15 minutes. */
  timeoutSeconds?: number;
  /**
   * A running job's instance tells the database it is alive this often (half of it, in fact); a job
   * whose instance was silent for this long (it crashed, or lost the database) is failed and retried by
   * another. At least 10. Default 30.
   */
  heartbeatSeconds?: number;
  /** How long a finished job's row is kept, for inspection. Default 7 days. */
  keepFinishedSeconds?: number;
}

/** A cron job (UTC, five fields, at most once a minute) runs with an empty payload. */
type CronRule<P> = [P] extends [Record<string, never>]
  ? {
      /** Runs once per occurrence across all instances; an occurrence missed while no instance ran is run once. */
      cron?: string;
    }
  : { cron?: never };

declare const payloadType: unique symbol;

/** A job's options and, in its type only, the payload its handler receives. */
export type JobDefinition<P extends object = object> = JobOptions & { cron?: string; readonly [payloadType]?: P };

/** Name → definition; the application's table is `JOBS` in `job-catalog.ts`. */
export type JobCatalog = Record<string, JobDefinition<object>>;

export type PayloadOf<D> = D extends JobDefinition<infer P> ? P : never;

/** Declares a job whose handler receives a `P`: `job<{ userId: string }>({ retry: { attempts: 5, delaySeconds: 30 } })`. */
export function job<P extends object>(options: JobOptions & CronRule<P>): JobDefinition<P> {
  return options;
}

/** What the handler of a run is told besides the payload. */
export interface JobContext {
  id: string;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  attempts: number;
  /** Aborted when this instance gives up on the run (shutdown past its deadline): stop, the job runs again. */
  signal: AbortSignal;
}

/** Resolves when the job is done; throws to fail the run (it is retried or, after the last attempt, dead). */
export type JobHandlerFn<P> = (payload: P, context: JobContext) => Promise<void>;

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
export const DEFAULT_TIMEOUT_SECONDS = 15 * MINUTE;
export const DEFAULT_HEARTBEAT_SECONDS = 30;
const DEFAULT_KEEP_FINISHED_SECONDS = 7 * DAY;
/** Dead jobs stay in `<name>.dead` this long, for inspection and redrive. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * DAY;
/** How long a job may wait to start (delayed or queued) before it is dropped. */
const WAITING_RETENTION_SECONDS = 30 * DAY;

export const deadLetterQueueOf = (name: string) => `${name}.dead`;

/** The pg-boss queue settings a definition stands for; every job of the queue inherits them. */
export function queueOptions(name: string, definition: JobDefinition): Omit<Queue, 'name'> & { policy: JobPolicy } {
  const { retry } = definition;
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) throw new Error(`job ${name}: retry.attempts must be a whole number ≥ 1`);
  if (!Number.isInteger(retry.delaySeconds) || retry.delaySeconds < 1) throw new Error(`job ${name}: retry.delaySeconds must be a whole number ≥ 1`);
  return {
    policy: definition.policy ?? 'standard',
    retryLimit: retry.attempts - 1,
    retryDelay: retry.delaySeconds,
    retryBackoff: true,
    ...(retry.maxDelaySeconds === undefined ? {} : { retryDelayMax: retry.maxDelaySeconds }),
    expireInSeconds: definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    heartbeatSeconds: definition.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    deleteAfterSeconds: definition.keepFinishedSeconds ?? DEFAULT_KEEP_FINISHED_SECONDS,
    retentionSeconds: WAITING_RETENTION_SECONDS,
    deadLetter: deadLetterQueueOf(name),
  };
}

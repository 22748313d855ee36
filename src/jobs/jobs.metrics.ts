import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const JOBS_COMPLETED = 'chat_jobs_completed_total';
export const JOBS_RETRIED = 'chat_jobs_retried_total';
export const JOBS_FAILED = 'chat_jobs_failed_total';
export const JOB_DURATION_SECONDS = 'chat_job_duration_seconds';
/** A gauge read from the queue on every scrape; its provider is in `jobs.module.ts`, beside `Jobs`. */
export const JOBS_QUEUED = 'chat_jobs_queued';

export const jobRunMetrics = [
  makeCounterProvider({ name: JOBS_COMPLETED, help: 'Job runs that completed on this instance, by job name', labelNames: ['name'] }),
  makeCounterProvider({ name: JOBS_RETRIED, help: 'Job runs that failed on this instance and will be retried, by job name', labelNames: ['name'] }),
  makeCounterProvider({
    name: JOBS_FAILED,
    help: 'Job runs that failed on this instance for the last time (the job is dead: copied to <name>.dead), by job name',
    labelNames: ['name'],
  }),
  makeHistogramProvider({
    name: JOB_DURATION_SECONDS,
    help: "Seconds a job's handler ran on this instance, by job name and outcome (completed, failed)",
    labelNames: ['name', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  }),
];

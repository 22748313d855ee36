import type { JobCatalog } from './job-definition.js';

/**
 * Every background job of the application, in one table: name → payload type and how it runs. A
 * feature adds its job here and registers its handler (`@JobHandler(name)` on a provider's method, or
 * `Jobs.registerHandler`); everything else — queue, retries, dead letters, cron, metrics — follows.
 *
 * ```ts
 * export const JOBS = {
 *   'retention.sweep': job<Record<string, never>>({ retry: { attempts: 5, delaySeconds: 60 }, policy: 'stately', cron: '*\/15 * * * *' }),
 *   'users.export': job<{ userId: string }>({ retry: { attempts: 5, delaySeconds: 30 }, policy: 'singleton', timeoutSeconds: 3600 }),
 * } satisfies JobCatalog;
 * ```
 *
 * Names may use letters, digits, `_`, `-`, `.` and `/`; `<name>.dead` is taken by the job's dead letters.
 */
export const JOBS = {} satisfies JobCatalog;

export type AppJobs = typeof JOBS;

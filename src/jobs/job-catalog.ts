import { job, type JobCatalog } from './job-definition.js';

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
export const JOBS = {
  /** Deletes ended sessions and their spent refresh tokens (src/auth/session-housekeeping.ts). */
  'sessions.housekeeping': job<Record<string, never>>({ retry: { attempts: 3, delaySeconds: 60 }, policy: 'stately', cron: '17 * * * *' }),
  /**
   * Deletes messages older than their conversation's retention policy (src/retention). `stately`: one
   * run at a time across all instances, and one more waiting at most; a killed run is retried and picks
   * up where the deletions stopped (everything it did is committed batch by batch).
   */
  'retention.sweep': job<Record<string, never>>({
    retry: { attempts: 5, delaySeconds: 10, maxDelaySeconds: 900 },
    policy: 'stately',
    cron: '*/15 * * * *',
    timeoutSeconds: 3600,
    heartbeatSeconds: 10,
  }),
  /** The uploads of a deleted account (src/account-deletion); one at a time per user, resumable. */
  'users.delete': job<{ userId: string }>({ retry: { attempts: 10, delaySeconds: 10, maxDelaySeconds: 900 }, policy: 'singleton', timeoutSeconds: 3600 }),
  /** Renames a deleted account's username once ACCOUNT_USERNAME_HOLD is over. */
  'users.free-username': job<{ userId: string }>({ retry: { attempts: 10, delaySeconds: 60, maxDelaySeconds: 3600 } }),
  /** A scheduled message at its `sendAt` (src/scheduled): claims the row, sends it through the normal send path. */
  'messages.scheduled-send': job<{ scheduledId: string }>({ retry: { attempts: 5, delaySeconds: 15, maxDelaySeconds: 600 }, timeoutSeconds: 120 }),
  /** The preview of a message's first link, fetched after the send (src/link-previews). */
  'link-previews.fetch': job<{ messageId: string; url: string }>({ retry: { attempts: 3, delaySeconds: 30 }, concurrency: 2, timeoutSeconds: 120 }),
  /** A message to the members with no live socket, through PUSH_RELAY_URL (src/push). */
  'push.message': job<{ messageId: string }>({ retry: { attempts: 4, delaySeconds: 5, maxDelaySeconds: 120 }, concurrency: 2, timeoutSeconds: 120 }),
  /**
   * Writes one data export's archive (src/exports). One pending export per user is held by the table;
   * a failed run is retried, and the last failed attempt marks the export `failed`.
   */
  'users.export': job<{ exportId: string }>({ retry: { attempts: 3, delaySeconds: 30, maxDelaySeconds: 600 }, timeoutSeconds: 3600 }),
  /** Deletes data exports (and their archives) past EXPORT_TTL, and fails exports whose job died silently. */
  'exports.housekeeping': job<Record<string, never>>({ retry: { attempts: 3, delaySeconds: 60 }, policy: 'stately', cron: '41 * * * *' }),
} satisfies JobCatalog;

export type AppJobs = typeof JOBS;

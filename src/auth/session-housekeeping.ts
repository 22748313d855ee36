import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Jobs } from '../jobs/jobs.service.js';
import { SessionRepository } from './session.repository.js';

export const SESSION_HOUSEKEEPING_JOB = 'sessions.housekeeping';
/** Rows per statement: each batch is its own short statement, so no lock is held for long. */
export const HOUSEKEEPING_BATCH = 500;
/** Batches per run at most: a backlog larger than this is finished by the next runs. */
const MAX_BATCHES = 40;
/**
 * How long an ended session is kept: for a day after it expired or was revoked, a refresh with its
 * tokens still answers why (expired, revoked, or `TOKEN_REUSED`) rather than "unknown".
 */
export const ENDED_SESSION_GRACE_SECONDS = 24 * 60 * 60;

/**
 * The `sessions.housekeeping` cron job (hourly, see `JOBS`): deletes sessions that ended more than a day
 * ago, with their spent refresh tokens, and forgets the sealed successors of spent tokens whose retry
 * window closed. In bounded batches; idempotent, so a run repeated after a crash does no harm.
 */
@Injectable()
export class SessionHousekeeping implements OnModuleInit {
  private readonly logger = new Logger(SessionHousekeeping.name);

  constructor(
    private readonly jobs: Jobs,
    private readonly sessions: SessionRepository,
  ) {}

  onModuleInit() {
    return this.jobs.registerHandler(SESSION_HOUSEKEEPING_JOB, async (_payload, { signal }) => {
      await this.run(signal);
    });
  }

  async run(signal?: AbortSignal): Promise<{ sessions: number; retryWindows: number }> {
    const sessions = await this.drain(() => this.sessions.purgeEnded(HOUSEKEEPING_BATCH, ENDED_SESSION_GRACE_SECONDS), signal);
    const retryWindows = await this.drain(() => this.sessions.forgetClosedRetryWindows(HOUSEKEEPING_BATCH), signal);
    if (sessions || retryWindows) this.logger.log(`deleted ${sessions} ended session(s), closed ${retryWindows} refresh retry window(s)`);
    return { sessions, retryWindows };
  }

  private async drain(batch: () => Promise<number>, signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (let round = 0; round < MAX_BATCHES && !signal?.aborted; round++) {
      const done = await batch();
      total += done;
      if (done < HOUSEKEEPING_BATCH) break;
    }
    return total;
  }
}

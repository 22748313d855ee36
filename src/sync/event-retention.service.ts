import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { EventLogRepository } from '../events/event-log.repository.js';
const PRUNE_INTERVAL_MS = 10 * 60_000;
const BATCH_SIZE = 5_000;

/**
 * Keeps the event log to SYNC_RETENTION. It deletes the oldest events in position order, and only ever a
 * prefix of positions: it stops at the first event younger than the cutoff. Before deleting, it raises
 * `pruned_through`, so a reader never finds a deleted gap behind a cursor it still accepts — a cursor
 * below `pruned_through` answers `resyncRequired`.
 */
@Injectable()
export class EventRetention {
  private readonly logger = new Logger(EventRetention.name);

  constructor(
    private readonly log: EventLogRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Interval(PRUNE_INTERVAL_MS)
  async scheduled(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      this.logger.warn(`pruning the event log failed: ${(error as Error).message}`);
    }
  }

  /** Deletes events older than the retention window; answers how many. */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.syncRetentionSeconds * 1000);
    let deleted = 0;
    for (;;) {
      const batch = await this.log.pruneBatch(cutoff, BATCH_SIZE);
      if (batch === null) return deleted;
      deleted += batch.count;
      if (!batch.more) return deleted;
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';

/** Any number that is the same on every instance: one pruner at a time. */
const PRUNE_LOCK = 0x73796e63; // "sync"
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
    @InjectDataSource() private readonly dataSource: DataSource,
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
      const batch = await this.pruneBatch(cutoff);
      if (batch === null) return deleted;
      deleted += batch.count;
      if (!batch.more) return deleted;
    }
  }

  /** One batch in one transaction; null when nothing is old enough or another instance is pruning. */
  private pruneBatch(cutoff: Date): Promise<{ count: number; more: boolean } | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [PRUNE_LOCK]);
      if (!locked) return null;
      const [{ pruned_through: from }]: Array<{ pruned_through: string }> = await manager.query(`SELECT pruned_through FROM event_log_state WHERE id = 1`);
      const oldest: Array<{ position: string; old: boolean }> = await manager.query(
        `SELECT position, created_at < $3 AS old FROM chat_event WHERE position > $1 ORDER BY position LIMIT $2`,
        [from, BATCH_SIZE, cutoff],
      );
      const firstYoung = oldest.findIndex((row) => !row.old);
      const prefix = firstYoung === -1 ? oldest : oldest.slice(0, firstYoung);
      if (!prefix.length) return null;
      const through = prefix[prefix.length - 1].position;
      await manager.query(`UPDATE event_log_state SET pruned_through = greatest(pruned_through, $1) WHERE id = 1`, [through]);
      const [, count]: [unknown, number] = await manager.query(`DELETE FROM chat_event WHERE position > $1 AND position <= $2`, [from, through]);
      return { count, more: firstYoung === -1 && oldest.length === BATCH_SIZE };
    });
  }
}

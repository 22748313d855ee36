import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { DurableEventType } from '../events/chat-events.js';
import { DEFAULT_SYNC_LIMIT, type SyncEventDto, type SyncQuery, type SyncResultDto } from './dto/sync.dto.js';
import { projectForViewer } from './event-projection.js';
import { SyncCursors } from './sync-cursors.js';

interface EventRow {
  position: string;
  type: DurableEventType;
  data: unknown;
}

/**
 * Catch-up: what a client missed since its cursor, read from the event log. Positions are commit-ordered
 * (see EventLog), so "everything above my cursor" never skips an event that commits later. The client
 * sees the events of the conversations it is a member of now, plus those addressed to it, each as the
 * realtime emit would have shown it.
 */
@Injectable()
export class SyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: SyncCursors,
  ) {}

  async sync(user: AuthUser, query: SyncQuery): Promise<SyncResultDto> {
    const limit = query.limit ?? DEFAULT_SYNC_LIMIT;
    // One snapshot for the log's bounds and the page, so the cursor answered covers exactly what was read.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const { head, prunedThrough } = await this.bounds(manager);
      if (query.since === undefined) return this.result([], head, false, false);
      const since = this.cursors.decode(query.since);
      if (since === null || since < prunedThrough || since > head) return this.result([], head, false, true);
      const rows = await this.page(manager, user.id, since, limit + 1);
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit);
      const events = page.map((row): SyncEventDto => ({
        type: row.type,
        data: projectForViewer(row.type, row.data, user.id),
        cursor: this.cursors.encode(row.position),
      }));
      return this.result(events, hasMore ? BigInt(page[page.length - 1].position) : head, hasMore, false);
    });
  }

  /** The newest position (never below what retention deleted, even once the log is empty) and the pruned bound. */
  private async bounds(manager: EntityManager): Promise<{ head: bigint; prunedThrough: bigint }> {
    const [row]: Array<{ head: string; pruned_through: string }> = await manager.query(
      `SELECT greatest((SELECT max(position) FROM chat_event), s.pruned_through) AS head, s.pruned_through
         FROM event_log_state s WHERE s.id = 1`,
    );
    return { head: BigInt(row.head), prunedThrough: BigInt(row.pruned_through) };
  }

  private page(manager: EntityManager, userId: string, since: bigint, limit: number): Promise<EventRow[]> {
    return manager.query(
      `SELECT position, type, data FROM chat_event
        WHERE position > $2
          AND (user_id = $1 OR conversation_id IN (SELECT conversation_id FROM conversation_member WHERE user_id = $1))
        ORDER BY position
        LIMIT $3`,
      [userId, since.toString(), limit],
    );
  }

  private result(events: SyncEventDto[], cursor: bigint, hasMore: boolean, resyncRequired: boolean): SyncResultDto {
    return { events, cursor: this.cursors.encode(cursor), hasMore, resyncRequired };
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { DurableEventType } from '../events/chat-events.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import type { VisibleEventRow } from '../access/access.repository.js';
import { combine, selectPrepared, type StatementPart } from '../database/sql.js';
import { DEFAULT_SYNC_LIMIT, type SyncEventDto, type SyncQuery, type SyncResultDto } from './dto/sync.dto.js';
import { projectForViewer } from './event-projection.js';
import { SyncCursors } from './sync-cursors.js';
import { MediaUrls } from '../media/media-urls.js';

/**
 * Catch-up: what a client missed since its cursor, read from the event log. Positions are commit-ordered
 * (see EventLog), so "everything above my cursor" never skips an event that commits later. What a user
 * may see is `events.receive` (src/access): the events addressed to it, and those of each conversation
 * it is a member of from the position at which it joined — each as the realtime emit would show it.
 */
@Injectable()
export class SyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: SyncCursors,
    private readonly log: EventLogRepository,
    private readonly access: AccessService,
    private readonly urls: MediaUrls,
  ) {}

  async sync(user: AuthUser, query: SyncQuery): Promise<SyncResultDto> {
    const limit = query.limit ?? DEFAULT_SYNC_LIMIT;
    const since = query.since === undefined ? null : this.cursors.decode(query.since);
    if (since === null) {
      const { head } = await this.log.bounds(this.dataSource.manager);
      return this.result([], head, false, query.since !== undefined);
    }
    const { head, inRange, rows } = await this.page(user, since, limit + 1);
    if (!inRange) return this.result([], head, false, true);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const events = page.map((row): SyncEventDto => ({
      type: row.type as DurableEventType,
      data: projectForViewer(row.type as DurableEventType, row.data, user.id, this.urls),
      cursor: this.cursors.encode(row.position),
    }));
    return this.result(events, hasMore ? BigInt(page[page.length - 1].position) : head, hasMore, false);
  }

  /**
   * The log's bounds and the page above `since` in ONE statement, so one snapshot: the cursor answered covers
   * exactly what was read (it took a REPEATABLE READ transaction of six round trips). No page when `since`
   * is below what retention pruned or above the head: the client must resync.
   */
  private async page(user: AuthUser, since: bigint, limit: number): Promise<{ head: bigint; inRange: boolean; rows: VisibleEventRow[] }> {
    const { sql, parameters } = syncPageQuery(this.log.boundsPart(), await this.access.visibleEventsPart(user, since, limit), since);
    type Row = { head: string; in_range: boolean } & { [K in keyof VisibleEventRow]: VisibleEventRow[K] | null };
    const rows = await selectPrepared<Row>(this.dataSource.manager, 'sync_page', sql, parameters);
    return {
      head: BigInt(rows[0].head),
      inRange: rows[0].in_range,
      rows: rows.filter((row): row is Row & VisibleEventRow => row.position !== null),
    };
  }

  private result(events: SyncEventDto[], cursor: bigint, hasMore: boolean, resyncRequired: boolean): SyncResultDto {
    return { events, cursor: this.cursors.encode(cursor), hasMore, resyncRequired };
  }
}

/**
 * /sync's one statement (exported for the EXPLAIN test): the log's `bounds`, whether `since` lies within
 * them, and the `visible` events (none when it doesn't), oldest first. Every row carries the bounds.
 */
export function syncPageQuery(bounds: StatementPart, visible: StatementPart, since: bigint): ReturnType<typeof combine> {
  const window: StatementPart = {
    ctes: [['sync_window', `SELECT head, $1::bigint >= pruned_through AND $1::bigint <= head AS in_range FROM bounds`]],
    parameters: [since.toString()],
  };
  return combine(
    [bounds, window, visible],
    `SELECT w.head, w.in_range, v.position, v.type, v.data FROM sync_window w LEFT JOIN visible v ON w.in_range ORDER BY v.position`,
  );
}

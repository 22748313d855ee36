import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { DurableEventType } from '../events/chat-events.js';
import { EventLogRepository } from '../events/event-log.repository.js';
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
    // One snapshot for the log's bounds and the page, so the cursor answered covers exactly what was read.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const { head, prunedThrough } = await this.log.bounds(manager);
      if (query.since === undefined) return this.result([], head, false, false);
      const since = this.cursors.decode(query.since);
      if (since === null || since < prunedThrough || since > head) return this.result([], head, false, true);
      const rows = await this.access.visibleEvents(user, since, limit + 1, manager);
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit);
      const events = page.map((row): SyncEventDto => ({
        type: row.type as DurableEventType,
        data: projectForViewer(row.type as DurableEventType, row.data, user.id, this.urls),
        cursor: this.cursors.encode(row.position),
      }));
      return this.result(events, hasMore ? BigInt(page[page.length - 1].position) : head, hasMore, false);
    });
  }

  private result(events: SyncEventDto[], cursor: bigint, hasMore: boolean, resyncRequired: boolean): SyncResultDto {
    return { events, cursor: this.cursors.encode(cursor), hasMore, resyncRequired };
  }
}

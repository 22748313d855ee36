import { Module } from '@nestjs/common';
import { EventRetention } from './event-retention.service.js';
import { SyncController } from './sync.controller.js';
import { SyncCursors } from './sync-cursors.js';
import { SyncService } from './sync.service.js';

/**
 * Catch-up over REST (`GET /api/v1/sync`), its cursors — which realtime also hands out with every durable
 * event — and the retention of the event log behind both.
 */
@Module({
  controllers: [SyncController],
  providers: [SyncCursors, SyncService, EventRetention],
  exports: [SyncCursors],
})
export class SyncModule {}

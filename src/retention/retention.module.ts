import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MediaStorageModule } from '../media/media-storage.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { RetentionController } from './retention.controller.js';
import { retentionMetrics } from './retention.metrics.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';
import { RetentionSweep } from './retention-sweep.js';

/**
 * Message retention: the policies (`PUT /admin/retention`, `PUT /conversations/:id/retention`) and the
 * `retention.sweep` job that deletes what they no longer keep.
 */
@Module({
  imports: [AuditModule, MessagesModule, MediaStorageModule],
  controllers: [RetentionController],
  providers: [RetentionRepository, RetentionService, RetentionSweep, ...retentionMetrics],
})
export class RetentionModule {}

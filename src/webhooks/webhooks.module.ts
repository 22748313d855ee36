import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { UsersModule } from '../users/users.module.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryJob } from './webhook-delivery.job.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

/** Outgoing webhooks: subscriptions, the dispatcher from the event log, signed deliveries (README "Integrations"). */
@Module({
  imports: [AuditModule, SyncModule, UsersModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhookDeliveriesRepository, WebhooksService, WebhookDispatcher, WebhookDeliveryJob],
})
export class WebhooksModule {}

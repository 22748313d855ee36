import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import type { Logger as PinoInstance } from 'pino';
import { AccessModule } from './access/access.module.js';
import { AccountDeletionModule } from './account-deletion/account-deletion.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { DataExportsModule } from './exports/data-exports.module.js';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConversationsModule } from './conversations/conversations.module.js';
import { HeavyRequestsModule } from './common/concurrency/heavy-requests.js';
import { ClockModule } from './common/time/clock.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { RateLimitsModule } from './common/rate-limits/rate-limits.module.js';
import type { ResolvedDatabase } from './database/database-connection.js';
import { DatabaseModule } from './database/database.module.js';
import { OperationIdsModule } from './docs/operation-ids.module.js';
import { EventsModule } from './events/events.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MediaModule } from './media/media.module.js';
import { MediaUrlsModule } from './media/media-urls.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { ScheduledModule } from './scheduled/scheduled.module.js';
import { SharedStateModule } from './shared-state/shared-state.module.js';
import { SyncModule } from './sync/sync.module.js';
import { UsersModule } from './users/users.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { LinkPreviewsModule } from './link-previews/link-previews.module.js';
import { PushModule } from './push/push.module.js';

export interface AppRuntime {
  config: AppConfig;
  database: ResolvedDatabase;
  logger: PinoInstance;
}

@Module({})
export class AppModule {
  static register({ config, database, logger }: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config),
        ObservabilityModule.register(logger),
        DatabaseModule.register(database),
        SharedStateModule,
        ClockModule,
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        EventsModule,
        AccessModule,
        OperationIdsModule,
        JobsModule,
        // Guards run in the order their modules are listed: authentication first, so the rate limits
        // can count signed-in callers per user.
        AuthModule,
        RateLimitsModule,
        HeavyRequestsModule,
        UsersModule,
        ConversationsModule,
        MessagesModule,
        MediaModule,
        MediaUrlsModule,
        AdminModule,
        AuditModule,
        ReportsModule,
        RetentionModule,
        AccountDeletionModule,
        ApiKeysModule,
        ScheduledModule,
        DataExportsModule,
        SyncModule,
        WebhooksModule,
        LinkPreviewsModule,
        PushModule,
        RealtimeModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}

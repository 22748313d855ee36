import { Global, Module } from '@nestjs/common';
import { EventLogRepository } from './event-log.repository.js';
import { eventStageMetric } from './event-log.metrics.js';
import { EventLog } from './event-log.service.js';

/** The durable event log every feature writes to and realtime delivery and `/sync` read from. */
@Global()
@Module({ providers: [EventLogRepository, EventLog, eventStageMetric], exports: [EventLog, EventLogRepository, eventStageMetric] })
export class EventsModule {}

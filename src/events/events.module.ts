import { Global, Module } from '@nestjs/common';
import { EventLog } from './event-log.service.js';

/** The durable event log every feature writes to and realtime delivery and `/sync` read from. */
@Global()
@Module({ providers: [EventLog], exports: [EventLog] })
export class EventsModule {}

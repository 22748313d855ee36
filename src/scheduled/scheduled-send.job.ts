import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Jobs } from '../jobs/jobs.service.js';
import { SCHEDULED_SEND_JOB, ScheduledService } from './scheduled.service.js';

/** Registers the handler of `messages.scheduled-send` on this instance. */
@Injectable()
export class ScheduledSendJob implements OnModuleInit {
  constructor(
    private readonly jobs: Jobs,
    private readonly scheduled: ScheduledService,
  ) {}

  onModuleInit() {
    return this.jobs.registerHandler(SCHEDULED_SEND_JOB, ({ scheduledId }, context) => this.scheduled.sendDue(scheduledId, context));
  }
}

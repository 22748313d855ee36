import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { ScheduledMessage } from './scheduled-message.entity.js';
import { ScheduledSendJob } from './scheduled-send.job.js';
import { ConversationScheduledController, ScheduledController } from './scheduled.controller.js';
import { ScheduledRepository } from './scheduled.repository.js';
import { ScheduledService } from './scheduled.service.js';

/** Scheduled messages: the `scheduled_message` table, its routes and the job that sends them. */
@Module({
  imports: [TypeOrmModule.forFeature([ScheduledMessage]), MessagesModule, UsersModule],
  controllers: [ConversationScheduledController, ScheduledController],
  providers: [ScheduledRepository, ScheduledService, ScheduledSendJob],
})
export class ScheduledModule {}

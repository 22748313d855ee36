import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { DevicesController } from './devices.controller.js';
import { DevicesRepository } from './devices.repository.js';
import { DevicesService } from './devices.service.js';
import { PushJob } from './push.job.js';

/** Push tokens and pushes to offline members through the relay (README "Push notifications"). */
@Module({
  imports: [MessagesModule, UsersModule],
  controllers: [DevicesController],
  providers: [DevicesRepository, DevicesService, PushJob],
})
export class PushModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';
import { AdminMessagesController } from './admin-messages.controller.js';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminUsersService } from './admin-users.service.js';

/** The `/admin` routes, for the global `admin` role only. */
@Module({
  imports: [AuthModule, UsersModule, MembershipsModule, MessagesModule],
  controllers: [AdminController, AdminMessagesController],
  providers: [AdminUsersService, AdminStatsService],
})
export class AdminModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';
import { AdminMessagesController } from './admin-messages.controller.js';
import { AdminMessagesService } from './admin-messages.service.js';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminUsersService } from './admin-users.service.js';

/** The `/admin` routes, for the global `admin` role only. */
@Module({
  imports: [AuditModule, AuthModule, UsersModule, MembershipsModule, MessagesModule],
  controllers: [AdminController, AdminMessagesController],
  providers: [AdminUsersService, AdminStatsService, AdminMessagesService],
  exports: [AdminUsersService, AdminMessagesService],
})
export class AdminModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MediaStorageModule } from '../media/media-storage.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountDeletionController } from './account-deletion.controller.js';
import { AccountDeletionJobs } from './account-deletion.jobs.js';
import { AccountDeletionService } from './account-deletion.service.js';

/** Account deletion: `DELETE /users/me`, `DELETE /admin/users/:id`, and the jobs that finish it. */
@Module({
  imports: [AuditModule, AuthModule, UsersModule, MessagesModule, MediaStorageModule],
  controllers: [AccountDeletionController],
  providers: [AccountDeletionService, AccountDeletionJobs],
})
export class AccountDeletionModule {}

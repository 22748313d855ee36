import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConversationViews } from './conversation-views.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsService } from './conversations.service.js';
import { DraftsController } from './drafts.controller.js';
import { DraftsService } from './drafts.service.js';

/**
 * The conversation feature: direct and group conversations, membership changes, roles and markers over
 * REST, each member's own view (mute, archive, hide, pin, notification level) and drafts, and "the conversation with its last message" views. Above messages and memberships in the
 * module graph. Exports `ConversationsService` for the socket gateway (markers).
 */
@Module({
  imports: [AuditModule, MembershipsModule, MessagesModule, UsersModule],
  controllers: [ConversationsController, DraftsController],
  providers: [ConversationViews, ConversationsService, DraftsService],
  exports: [ConversationsService],
})
export class ConversationsModule {}

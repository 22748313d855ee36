import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConversationViews } from './conversation-views.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsService } from './conversations.service.js';

/**
 * The conversation feature: direct and group conversations, membership changes, roles and markers over
 * REST, and "the conversation with its last message" views. Above messages and memberships in the
 * module graph. Exports `ConversationsService` for the socket gateway (markers).
 */
@Module({
  imports: [MembershipsModule, MessagesModule, UsersModule],
  controllers: [ConversationsController],
  providers: [ConversationViews, ConversationsService],
  exports: [ConversationsService],
})
export class ConversationsModule {}

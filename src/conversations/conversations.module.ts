import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagesModule } from '../messages/messages.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConversationMember } from './conversation-member.entity.js';
import { Conversation } from './conversation.entity.js';
import { ConversationViews } from './conversation-views.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { MembershipModule } from './membership.module.js';

/**
 * Direct and group conversations, membership, roles and read/delivered markers. Exports
 * `ConversationsService` and `MembershipService` (through `MembershipModule`) for the socket gateway.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Conversation, ConversationMember]), MembershipModule, MessagesModule, UsersModule],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, ConversationViews, ConversationsService],
  exports: [TypeOrmModule, MembershipModule, ConversationsService, ConversationsRepository],
})
export class ConversationsModule {}

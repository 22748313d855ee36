import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationMember } from './conversation-member.entity.js';
import { Conversation } from './conversation.entity.js';
import { ConversationsRepository } from './conversations.repository.js';

/**
 * The `conversation` and `conversation_member` tables and their one repository. Below messages (which
 * takes seqs and reads markers through it) and conversations (the feature) in the module graph.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Conversation, ConversationMember])],
  providers: [ConversationsRepository],
  exports: [ConversationsRepository],
})
export class MembershipsModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationMember } from './conversation-member.entity.js';
import { Conversation } from './conversation.entity.js';
import { ConversationsRepository } from './conversations.repository.js';
import { Draft } from './draft.entity.js';
import { DraftsRepository } from './drafts.repository.js';

/**
 * The `conversation`, `conversation_member` and `draft` tables and their repositories. Below messages (which
 * takes seqs and reads markers through it) and conversations (the feature) in the module graph.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Conversation, ConversationMember, Draft])],
  providers: [ConversationsRepository, DraftsRepository],
  exports: [ConversationsRepository, DraftsRepository],
})
export class MembershipsModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MembershipModule } from '../conversations/membership.module.js';
import { MediaModule } from '../media/media.module.js';
import { UsersModule } from '../users/users.module.js';
import { MessageAttachment } from './message-attachment.entity.js';
import { MessageAttachments } from './message-attachments.js';
import { MessageReaction } from './message-reaction.entity.js';
import { MessageViews } from './message-views.js';
import { Message } from './message.entity.js';
import { MessagesController } from './messages.controller.js';
import { messagesSentCounter } from './messages.metrics.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';

/**
 * Messages of conversations: send, history, edit, delete, reactions, search. Exports `MessagesService`
 * (the socket gateway sends through it) and `MessageViews` (conversations show their last message).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Message, MessageReaction, MessageAttachment]), MembershipModule, UsersModule, MediaModule],
  controllers: [MessagesController],
  providers: [MessagesRepository, MessageViews, MessageAttachments, MessagesService, messagesSentCounter],
  exports: [TypeOrmModule, MessagesService, MessageViews, MessagesRepository],
})
export class MessagesModule {}

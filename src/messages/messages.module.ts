import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MediaModule } from '../media/media.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
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
 * Messages of conversations: send, history, edit, delete, reactions, search, and the one repository of
 * `message`, `message_reaction` and `message_attachment`. Exports `MessagesService` (the socket gateway
 * sends through it), `MessageViews` and `MessagesRepository` (conversations show their last message).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Message, MessageReaction, MessageAttachment]), MembershipsModule, MediaModule],
  controllers: [MessagesController],
  providers: [MessagesRepository, MessageViews, MessageAttachments, MessagesService, messagesSentCounter],
  exports: [MessagesService, MessageViews, MessagesRepository],
})
export class MessagesModule {}

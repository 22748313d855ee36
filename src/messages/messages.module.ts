import { PreSendHook } from '../pre-send-hook/pre-send-hook.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MediaModule } from '../media/media.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { MediaDeletionController } from './media-deletion.controller.js';
import { MediaDeletion } from './media-deletion.service.js';
import { MessageAttachment } from './message-attachment.entity.js';
import { MessageAttachments } from './message-attachments.js';
import { MessageReaction } from './message-reaction.entity.js';
import { MessageViews } from './message-views.js';
import { Message } from './message.entity.js';
import { MessagesController } from './messages.controller.js';
import { messagesSentCounter } from './messages.metrics.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { MessageMention } from './message-mention.entity.js';
import { MessageMentions } from './mentions.js';
import { MentionsController } from './mentions.controller.js';
import { MentionsService } from './mentions.service.js';
import { PinsController } from './pins.controller.js';
import { PostWrites } from './post-writes.js';
import { PinsService } from './pins.service.js';
import { ThreadParticipant } from './thread-participant.entity.js';
import { ThreadsController } from './threads.controller.js';
import { ThreadsService } from './threads.service.js';
import { UsersModule } from '../users/users.module.js';

/**
 * Messages of conversations: send, history (and jump to a seq), edit, delete, reactions, search, threads,
 * mentions and pins, and the one repository of `message`, `message_reaction`, `message_attachment`,
 * `message_mention` and `thread_participant`. Exports `MessagesService` (the socket gateway
 * sends through it), `MessageViews` and `MessagesRepository` (conversations show their last message).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Message, MessageReaction, MessageAttachment, ThreadParticipant, MessageMention]),
    MembershipsModule,
    MediaModule,
    UsersModule,
  ],
  controllers: [MessagesController, ThreadsController, PinsController, MentionsController, MediaDeletionController],
  providers: [
    MessagesRepository,
    MessageViews,
    MessageAttachments,
    MessageMentions,
    MediaDeletion,
    MessagesService,
    ThreadsService,
    PinsService,
    MentionsService,
    messagesSentCounter,
    PreSendHook,
    PostWrites,
  ],
  exports: [MessagesService, MessageViews, MessagesRepository, MediaDeletion],
})
export class MessagesModule {}

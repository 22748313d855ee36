import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { MediaDto } from '../../media/dto/media.dto.js';
import { MetadataProperty } from '../../common/metadata/metadata.js';
import type { MessageStatus, MessageView } from '../message.mapper.js';

export class MessageSenderDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  username: string;

  @ApiProperty()
  displayName: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example:
      '/api/v1/media/3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718/signed/thumbnail?expires=1767225600&scope=a&signature=q1QpMx7b1m6VbJ0kqg3Vw4b9l6H2d8n5yYt0cK3sZ1A',
    description: "A signed URL of the sender's avatar thumbnail (WebP, at most 320 px), as `Media.thumbnailUrl`; null without an avatar",
  })
  avatarUrl: string | null;

  @ApiProperty({ description: 'The sender is a bot (always false until bots exist)' })
  isBot: boolean;
}

export class ReactionDto {
  @ApiProperty({ example: '👍' })
  emoji: string;

  @ApiProperty()
  count: number;

  @ApiProperty({ description: 'The caller is among those who reacted' })
  me: boolean;
}

/** `PUT …/reactions/:emoji`'s answer: the message's reactions after the change, as the caller sees them. */
export class ReactionSummaryDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  messageId: string;

  @ApiProperty({ type: [ReactionDto] })
  reactions: ReactionDto[];
}

export class ForwardedFromDto {
  @ApiProperty({ format: 'uuid', description: 'The original message' })
  messageId: string;

  @ApiProperty({ format: 'uuid', description: 'Where the original was sent' })
  conversationId: string;

  @ApiProperty({ format: 'uuid', description: 'Who wrote the original' })
  senderId: string;

  @ApiProperty({ format: 'date-time', description: 'When the original was sent' })
  createdAt: string;
}

/** What a chat UI shows under a message with a link (fetched by the server, never from a private address). */
export class LinkPreviewDto {
  @ApiProperty({ format: 'uri', description: 'The page (its `og:url` when it gives one)' })
  url: string;

  @ApiProperty()
  title: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ type: String, format: 'uri', nullable: true })
  imageUrl: string | null;

  @ApiProperty({ type: String, nullable: true })
  siteName: string | null;
}

export class MessageDto implements MessageView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ description: '1, 2, 3, … without gaps within the conversation, in commit order' })
  seq: number;

  @ApiProperty({ type: MessageSenderDto })
  sender: MessageSenderDto;

  @ApiProperty({ type: String, nullable: true, description: 'Plain text; null once deleted or for attachments only' })
  content: string | null;

  @ApiProperty({ type: [MediaDto], description: 'The attachments, in order; empty once deleted' })
  attachments: MessageView['attachments'];

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  replyToId: string | null;

  @ApiProperty({ format: 'uuid' })
  clientMessageId: string;

  @ApiProperty({ type: [ReactionDto] })
  reactions: ReactionDto[];

  @ApiProperty({ enum: ['sent', 'delivered', 'read'], description: "The sender's view: every other member's delivered or read marker reached it" })
  status: MessageStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  editedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set on a tombstone' })
  deletedAt: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The first message of the thread this reply is in (a reply to a reply joins the same thread); null outside threads and on the root',
  })
  threadRootId: string | null;

  @ApiProperty({ description: "false: a thread reply sent with `alsoToConversation: false`, not counted in the conversation's unread count" })
  alsoToConversation: boolean;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'On a thread root: how many replies the thread has (tombstones included); 0 otherwise' })
  replyCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'On a thread root: when its newest reply was sent' })
  lastReplyAt: string | null;

  @ApiProperty({ type: [String], format: 'uuid', description: 'On a thread root: the first (at most 3) users who replied in it, in order' })
  threadParticipantIds: string[];

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'The members this message mentions (`@username`, or `@all` by an owner or admin); empty once deleted',
  })
  mentions: string[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the message was pinned to its conversation; null when it is not pinned',
  })
  pinnedAt: string | null;

  @ApiProperty({
    type: ForwardedFromDto,
    nullable: true,
    description: 'A forwarded copy: where its original came from — the oldest origin the forwarder could see; null otherwise',
  })
  forwardedFrom: ForwardedFromDto | null;

  @MetadataProperty('Custom fields set by the sender (`PATCH …/messages/:messageId/metadata`)')
  metadata: Record<string, unknown>;

  @ApiProperty({
    type: LinkPreviewDto,
    nullable: true,
    description:
      'The preview of the first link in `content`, attached after the send by a `message.updated`; null before, without a link, or when the page has none',
  })
  preview: LinkPreviewDto | null;
}

export class MessageHistoryDto {
  @ApiProperty({ type: [MessageDto], description: 'Ascending seq' })
  items: MessageDto[];

  @ApiProperty({
    description: 'More messages lie beyond this page in the direction asked (older without a cursor or with `before`); with `around`, on either side',
  })
  hasMore: boolean;

  @ApiPropertyOptional({ description: 'With `around` only: older messages lie before this page' })
  hasMoreBefore?: boolean;

  @ApiPropertyOptional({ description: 'With `around` only: newer messages lie after this page' })
  hasMoreAfter?: boolean;
}

export class ThreadPageDto {
  @ApiProperty({ type: MessageDto, description: "The thread's first message, with its `replyCount`, `lastReplyAt` and `threadParticipantIds`" })
  root: MessageDto;

  @ApiProperty({ type: [MessageDto], description: 'Replies, ascending seq' })
  items: MessageDto[];

  @ApiProperty({ description: 'More replies follow: ask again with `after` = the last seq' })
  hasMore: boolean;
}

export class ThreadSummaryDto {
  @ApiProperty({ type: MessageDto })
  root: MessageDto;

  @ApiProperty({ type: 'integer', minimum: 0 })
  replyCount: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: "Replies from others above the caller's thread read marker, deleted ones not counted" })
  unreadReplies: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastReplyAt: string | null;
}

export class ThreadListDto implements Page<ThreadSummaryDto> {
  @ApiProperty({ type: [ThreadSummaryDto], description: 'The most recently active thread first' })
  items: ThreadSummaryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

export class MessagePageDto implements Page<MessageDto> {
  @ApiProperty({ type: [MessageDto] })
  items: MessageDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

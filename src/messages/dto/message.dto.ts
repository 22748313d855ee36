import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { MediaDto } from '../../media/dto/media.dto.js';
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
}

export class MessageHistoryDto {
  @ApiProperty({ type: [MessageDto], description: 'Ascending seq' })
  items: MessageDto[];

  @ApiProperty({ description: 'More messages lie beyond this page in the direction asked (older without a cursor or with `before`)' })
  hasMore: boolean;
}

export class MessagePageDto implements Page<MessageDto> {
  @ApiProperty({ type: [MessageDto] })
  items: MessageDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

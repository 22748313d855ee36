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
}

export class ReactionDto {
  @ApiProperty({ example: '👍' })
  emoji: string;

  @ApiProperty()
  count: number;

  @ApiProperty({ description: 'The caller is among those who reacted' })
  me: boolean;
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

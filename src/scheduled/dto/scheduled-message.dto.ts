import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { SCHEDULED_STATUSES, type ScheduledStatus } from '../scheduled-message.entity.js';

export class ScheduledMessageDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  clientMessageId: string;

  @ApiProperty()
  content: string;

  @ApiProperty({ type: String, format: 'date-time' })
  sendAt: string;

  @ApiProperty({
    enum: SCHEDULED_STATUSES,
    description: '`pending` (editable), `sending` (claimed by the job), `sent` (see `messageId`), `failed` (see `failureReason`)',
  })
  status: ScheduledStatus;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The message it became, once sent' })
  messageId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it was not sent: the error code and message the send answered (e.g. `NOT_FOUND`: no longer a member)',
  })
  failureReason: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

export class ScheduledMessagePageDto implements Page<ScheduledMessageDto> {
  @ApiProperty({ type: [ScheduledMessageDto] })
  items: ScheduledMessageDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

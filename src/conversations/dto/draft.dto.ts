import { ApiProperty } from '@nestjs/swagger';
import { PageQuery, type Page } from '../../common/pagination/page-query.dto.js';
import { StringField, UuidField } from '../../common/validation/field.decorators.js';
import { MESSAGE_MAX_LENGTH } from '../../messages/dto/send-message.dto.js';

export class SaveDraftDto {
  @StringField({ max: MESSAGE_MAX_LENGTH, trim: false, description: 'The unsent text (as typed, not trimmed); DELETE the draft to empty it' })
  content: string;

  @UuidField({ required: false, description: "A message of the conversation: the draft is for its thread (a reply's id means its thread)" })
  threadRootId?: string;
}

export class DraftRefQuery {
  @UuidField({ required: false, description: "The thread's draft instead of the conversation's" })
  threadRootId?: string;
}

export class DraftDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "The thread's root; null for the conversation's own draft" })
  threadRootId: string | null;

  @ApiProperty()
  content: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class DraftPageDto implements Page<DraftDto> {
  @ApiProperty({ type: [DraftDto], description: 'The most recently changed first' })
  items: DraftDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

export class DraftListQuery extends PageQuery {}

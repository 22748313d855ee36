import { ArrayUnique } from 'class-validator';
import { StringField, UuidArrayField, UuidField } from '../../common/validation/field.decorators.js';

export const MESSAGE_MAX_LENGTH = 4000;
export const MAX_ATTACHMENTS = 10;

export class SendMessageDto {
  @UuidField({ description: "The client's id for this message: sending it again returns the first message instead of a copy" })
  clientMessageId: string;

  @StringField({ required: false, max: MESSAGE_MAX_LENGTH, description: 'Plain text, trimmed; needed unless there are attachments' })
  content?: string;

  @ArrayUnique()
  @UuidArrayField({ required: false, max: MAX_ATTACHMENTS, description: "Ids of the sender's own uploads, in display order" })
  attachmentIds?: string[];

  @UuidField({ required: false, description: 'A message of the same conversation this one replies to' })
  replyToId?: string;
}

import { ArrayUnique } from 'class-validator';
import { BooleanField, StringField, UuidArrayField, UuidField } from '../../common/validation/field.decorators.js';

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

  @UuidField({
    required: false,
    description: "A message of the same conversation this one replies to: the reply joins that message's thread (a reply to a reply joins the same thread)",
  })
  replyToId?: string;

  @BooleanField({
    required: false,
    description: "With `replyToId`: false keeps the reply out of the conversation's unread count (it stays in history); default true",
  })
  alsoToConversation?: boolean;
}

export class ForwardMessageDto {
  @UuidField({ description: 'The conversation to forward into: one the caller may post in' })
  toConversationId: string;

  @UuidField({ description: "The client's id for the new message in the target: forwarding again with it answers the first copy" })
  clientMessageId: string;
}

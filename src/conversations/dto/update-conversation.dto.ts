import { CONVERSATION_MODES, type ConversationMode, SLOW_MODE_MAX_SECONDS } from '../../access/access.types.js';
import { EnumField, IntField, StringField } from '../../common/validation/field.decorators.js';
import { TITLE_MAX_LENGTH } from './create-conversation.dto.js';

/** `PATCH /conversations/:id`: absent fields stay as they are; at least one is needed. */
export class UpdateConversationDto {
  @StringField({ max: TITLE_MAX_LENGTH, humanText: true, required: false })
  title?: string;

  @EnumField(CONVERSATION_MODES, { required: false, description: '`announcements`: only the owner and admins post; others get 403 `READ_ONLY`' })
  mode?: ConversationMode;

  @IntField({
    min: 0,
    max: SLOW_MODE_MAX_SECONDS,
    required: false,
    nullable: true,
    description: 'A plain member posts at most once per this many seconds (owner and admins exempt); 0 or null: off',
  })
  slowModeSeconds?: number | null;
}

import { StringField } from '../../common/validation/field.decorators.js';
import { TITLE_MAX_LENGTH } from './create-conversation.dto.js';

export class UpdateConversationDto {
  @StringField({ max: TITLE_MAX_LENGTH, humanText: true })
  title: string;
}

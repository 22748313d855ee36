import { StringField } from '../../common/validation/field.decorators.js';
import { MESSAGE_MAX_LENGTH } from './send-message.dto.js';

export class EditMessageDto {
  @StringField({ max: MESSAGE_MAX_LENGTH, description: 'The new plain text, trimmed' })
  content: string;
}

import { StringField } from '../../common/validation/field.decorators.js';

export class DeleteAccountDto {
  @StringField({ min: 1, max: 128, trim: false, description: 'The current password, as for signing in' })
  password: string;
}

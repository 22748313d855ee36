import { StringField } from '../../common/validation/field.decorators.js';

export class ChangePasswordDto {
  @StringField({ max: 128, trim: false })
  currentPassword: string;

  @StringField({ min: 8, max: 128, trim: false })
  newPassword: string;
}

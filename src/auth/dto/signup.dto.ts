import { EmailField, StringField } from '../../common/validation/field.decorators.js';

export const USERNAME_PATTERN = /^[a-z0-9_]{3,32}$/;

export class SignupDto {
  @EmailField({ example: 'ada@example.com', description: 'Case-insensitive; stored lower-cased' })
  email: string;

  @StringField({ min: 3, max: 32, pattern: USERNAME_PATTERN, example: 'ada_l', description: 'Lower-case letters, digits and `_`' })
  username: string;

  @StringField({ min: 8, max: 128, trim: false, example: 'correct horse battery staple' })
  password: string;

  @StringField({ required: false, max: 64, humanText: true, example: 'Ada Lovelace', description: 'Defaults to the username' })
  displayName?: string;
}

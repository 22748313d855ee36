import { EmailField, StringField } from '../../common/validation/field.decorators.js';

export class LoginDto {
  @EmailField({ example: 'ada@example.com' })
  email: string;

  @StringField({ max: 128, trim: false, example: 'correct horse battery staple' })
  password: string;
}

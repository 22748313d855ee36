import { USERNAME_PATTERN } from '../../auth/dto/signup.dto.js';
import { StringField } from '../../common/validation/field.decorators.js';

export class CreateBotDto {
  @StringField({
    min: 3,
    max: 32,
    pattern: USERNAME_PATTERN,
    example: 'deploy_bot',
    description: 'Lower-case letters, digits and `_`; unique among users and bots',
  })
  username: string;

  @StringField({ max: 64, humanText: true, example: 'Deploy bot' })
  displayName: string;
}

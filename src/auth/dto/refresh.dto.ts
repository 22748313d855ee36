import { StringField } from '../../common/validation/field.decorators.js';

export class RefreshDto {
  @StringField({ max: 256, description: 'The refresh token of the last `AuthResult`; it is spent by this call' })
  refreshToken: string;
}

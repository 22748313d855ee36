import type { Role } from '../../common/auth/auth-user.js';
import { BooleanField, EnumField } from '../../common/validation/field.decorators.js';
import { ROLES } from '../../users/user.entity.js';

export class UpdateUserDto {
  @EnumField(ROLES, { required: false, description: 'Demoting an admin signs them out everywhere' })
  role?: Role;

  @BooleanField({ required: false, description: 'Banning revokes every session and disconnects every socket of the user' })
  banned?: boolean;
}

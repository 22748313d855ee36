import { StringField, UuidField } from '../../common/validation/field.decorators.js';

/** The only fields a user may change on their own account; anything else (role, email, banned, id…) is a 400. */
export class UpdateMeDto {
  @StringField({ required: false, max: 64, humanText: true, example: 'Ada Lovelace' })
  displayName?: string;

  @StringField({ required: false, nullable: true, min: 0, max: 140, humanText: true, example: 'In a meeting', description: 'Empty or null clears it' })
  statusText?: string | null;

  @UuidField({ required: false, nullable: true, description: 'An image you uploaded, or null to remove the avatar' })
  avatarMediaId?: string | null;
}

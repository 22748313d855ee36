import { ArrayUnique } from 'class-validator';
import { EnumField, IntField, UuidArrayField } from '../../common/validation/field.decorators.js';
import { MAX_GROUP_MEMBERS } from './create-conversation.dto.js';

export class AddMembersDto {
  @ArrayUnique()
  @UuidArrayField({ min: 1, max: MAX_GROUP_MEMBERS - 1, description: 'Users to add; those already members are left as they are' })
  userIds: string[];
}

export class UpdateMemberDto {
  @EnumField(['admin', 'member'] as const)
  role: 'admin' | 'member';
}

export class MarkReadDto {
  @IntField({ min: 0, description: 'The highest seq read; a lower one than before changes nothing, one above the newest counts as the newest' })
  seq: number;
}

export class MarkDeliveredDto {
  @IntField({ min: 0, description: 'The highest seq received; a lower one than before changes nothing, one above the newest counts as the newest' })
  seq: number;
}

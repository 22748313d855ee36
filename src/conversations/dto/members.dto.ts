import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsISO8601, IsOptional, ValidateIf } from 'class-validator';
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

/** `PUT /conversations/:id/members/:userId/mute`: a body is optional (no body: muted until unmuted). */
export class MuteMemberDto {
  @IsOptional()
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'until must be an ISO-8601 time' })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Muted until then (a future time); absent or null: until unmuted',
    example: '2026-12-24T08:00:00.000Z',
  })
  until?: string | null;
}

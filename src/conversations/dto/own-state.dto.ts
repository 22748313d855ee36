import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, ValidateIf } from 'class-validator';
import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { BooleanField, EnumField } from '../../common/validation/field.decorators.js';
import { NOTIFICATION_LEVELS, type NotificationLevel } from '../../memberships/conversation-member.entity.js';

/** An ISO-8601 time with its zone, or null. */
function TimeOrNullField(description: string) {
  return applyDecorators(
    IsOptional(),
    ValidateIf((_object: object, value: unknown) => value !== null),
    IsISO8601({ strict: true, strictSeparator: true }, { message: 'mutedUntil must be an ISO-8601 time' }),
    ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description, example: '2026-12-24T08:00:00.000Z' }),
  );
}

/** `PATCH /conversations/:id/me`: the caller's own view; absent fields stay as they are. */
export class UpdateOwnStateDto {
  @BooleanField({ required: false, description: 'Mute (until `mutedUntil`, or until unmuted); false also clears `mutedUntil`' })
  muted?: boolean;

  @TimeOrNullField('Mute until then (a future time; implies `muted: true`); null: muted until unmuted')
  mutedUntil?: string | null;

  @BooleanField({ required: false, description: 'Archive: listed with `?archived=true` only, until someone else writes (unless muted)' })
  archived?: boolean;

  @BooleanField({ required: false, description: 'Hide: in no list until someone else writes (unless muted)' })
  hidden?: boolean;

  @BooleanField({ required: false, description: 'Pin to the top of your list (pinning again keeps its place)' })
  pinned?: boolean;

  @EnumField(NOTIFICATION_LEVELS, { required: false, description: 'all, mentions only, or none' })
  notificationLevel?: NotificationLevel;
}

/** `GET /conversations?archived=`. */
export class ConversationListQuery extends PageQuery {
  @EnumField(['true', 'false'] as const, {
    required: false,
    description: 'true: the archived conversations; false (the default): the others. Hidden ones are in neither',
  })
  archived?: 'true' | 'false';
}

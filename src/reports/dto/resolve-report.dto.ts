import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, ValidateIf } from 'class-validator';
import { EnumField } from '../../common/validation/field.decorators.js';
import { REPORT_ACTIONS, type ReportAction } from '../report.types.js';

export class ResolveReportDto {
  @EnumField(REPORT_ACTIONS, {
    description:
      '`dismiss`: nothing; `delete_message`: tombstone the reported message (message reports only); `mute_user`: mute the sender of the reported message in its group (message reports in groups only; see `until`); `ban_user`: ban the reported user, or the sender of the reported message',
  })
  action: ReportAction;

  @IsOptional()
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'until must be an ISO-8601 time' })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'For `mute_user`: when the mute ends (a future time); absent or null: until an owner or admin of the group unmutes',
    example: '2026-12-24T08:00:00.000Z',
  })
  until?: string | null;
}

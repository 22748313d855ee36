import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { REPORT_ACTIONS, REPORT_REASONS, REPORT_STATUSES, type ReportAction, type ReportReason, type ReportStatus } from '../report.types.js';

/** A report as its reporter and the admins see it. */
export class ReportDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  reporterId: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The reported message (a message report)' })
  messageId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The reported user (a user report)' })
  userId: string | null;

  @ApiProperty({ enum: REPORT_REASONS })
  reason: ReportReason;

  @ApiProperty({ type: String, nullable: true, example: 'Sends the same link to everyone' })
  note: string | null;

  @ApiProperty({ enum: REPORT_STATUSES })
  status: ReportStatus;

  @ApiProperty({ enum: REPORT_ACTIONS, nullable: true, description: 'What the admin did; null while open' })
  action: ReportAction | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt: string | null;
}

export class ReportPageDto implements Page<ReportDto> {
  @ApiProperty({ type: [ReportDto] })
  items: ReportDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

/** `report.resolved`, to the reporter: the outcome, not who acted. */
export class ReportResolvedEventDto {
  @ApiProperty({ format: 'uuid' })
  reportId: string;

  @ApiProperty({ enum: ['resolved'] })
  status: 'resolved';

  @ApiProperty({ enum: REPORT_ACTIONS })
  action: ReportAction;
}

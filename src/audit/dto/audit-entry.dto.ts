import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { AUDIT_TARGET_TYPES, AUDIT_TYPES, type AuditTargetType, type AuditType } from '../audit.types.js';

export class AuditEntryDto {
  @ApiProperty({ description: 'Increasing with time: the newest entry has the highest id', example: '42' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The admin who acted' })
  actorId: string;

  @ApiProperty({ enum: AUDIT_TYPES })
  type: AuditType;

  @ApiProperty({ enum: AUDIT_TARGET_TYPES })
  targetType: AuditTargetType;

  @ApiProperty({ format: 'uuid' })
  targetId: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What the action changed, as it was (never the words of a message)',
    example: { banned: false },
  })
  before: object | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'What the action changed, as it became', example: { banned: true } })
  after: object | null;

  @ApiProperty({ type: String, nullable: true, description: 'The `x-request-id` of the request that acted', example: 'req-1' })
  requestId: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class AuditPageDto implements Page<AuditEntryDto> {
  @ApiProperty({ type: [AuditEntryDto] })
  items: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

import { ApiProperty } from '@nestjs/swagger';
import { IntField } from '../../common/validation/field.decorators.js';

/** 100 years: far beyond any policy, and small enough that `now - days` stays a valid date. */
export const MAX_RETENTION_DAYS = 36_500;

export class SetRetentionDto {
  @IntField({
    min: 1,
    max: MAX_RETENTION_DAYS,
    nullable: true,
    example: 30,
    description: 'Keep messages this many days. null: globally, keep them forever; on a conversation, drop its override and follow the global policy.',
  })
  days: number | null;
}

export class RetentionPolicyDto {
  @ApiProperty({ enum: ['global', 'conversation'] })
  scope: 'global' | 'conversation';

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The conversation (scope `conversation`); null for the global policy' })
  conversationId: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'What this scope sets: null globally keeps forever; null on a conversation means no override' })
  days: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "What applies: the conversation's override if it has one, else the global policy; null keeps messages forever",
  })
  effectiveDays: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When this scope was last set; null if it never was' })
  updatedAt: string | null;
}

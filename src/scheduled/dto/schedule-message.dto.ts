import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { StringField, UuidField } from '../../common/validation/field.decorators.js';
import { MESSAGE_MAX_LENGTH } from '../../messages/dto/send-message.dto.js';

const SEND_AT = 'When to send it: in the future, at most SCHEDULED_MESSAGE_MAX_AHEAD (default a year) ahead';

export class ScheduleMessageDto {
  @UuidField({ description: 'The id the message will be sent with (idempotent like a send); scheduling again with it answers the first one' })
  clientMessageId: string;

  @StringField({ max: MESSAGE_MAX_LENGTH, description: 'Plain text, trimmed' })
  content: string;

  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'sendAt must be an ISO-8601 time' })
  @ApiProperty({ type: String, format: 'date-time', description: SEND_AT })
  sendAt: string;
}

export class UpdateScheduledDto {
  @StringField({ required: false, max: MESSAGE_MAX_LENGTH, description: 'Plain text, trimmed' })
  content?: string;

  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'sendAt must be an ISO-8601 time' })
  @ApiPropertyOptional({ type: String, format: 'date-time', description: SEND_AT })
  sendAt?: string;
}

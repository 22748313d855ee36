import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional } from 'class-validator';
import { SCOPE_NAMES, type Scope } from '../../common/auth/scopes.js';
import { StringField, UuidField } from '../../common/validation/field.decorators.js';

export class CreateApiKeyDto {
  @StringField({ max: 64, humanText: true, example: 'Deploy notifier', description: 'Yours, to tell keys apart' })
  name: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPE_NAMES.length)
  @ArrayUnique()
  @IsIn(SCOPE_NAMES, { each: true, message: `each scope must be one of ${SCOPE_NAMES.join(', ')}` })
  @ApiProperty({
    enum: SCOPE_NAMES,
    isArray: true,
    minItems: 1,
    example: ['messages:read', 'messages:write'],
    description: 'What the key may do (README "Bots and API keys")',
  })
  scopes: Scope[];

  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'expiresAt must be an ISO-8601 time' })
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'When the key stops working (in the future); unset: until revoked' })
  expiresAt?: string;

  @UuidField({ required: false, description: 'Admins only: mint the key for this bot, which it then acts as' })
  botId?: string;
}

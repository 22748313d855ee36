import { ApiProperty } from '@nestjs/swagger';
import { SCOPE_NAMES, type Scope } from '../../common/auth/scopes.js';

/** A key as its owner sees it: never its secret. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Deploy notifier' })
  name: string;

  @ApiProperty({ enum: SCOPE_NAMES, isArray: true })
  scopes: Scope[];

  @ApiProperty({ example: 'ck_Xq3v9LmA', description: 'The first characters of the secret, to tell keys apart' })
  prefix: string;

  @ApiProperty({ format: 'uuid', description: 'Who the key acts as: you, or the bot it was minted for' })
  userId: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The bot it acts as, when minted for one; else null' })
  botId: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last authenticated request or handshake, to the minute' })
  lastUsedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

/** The answer of `POST /api-keys`: the key and, this once only, its secret. */
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'ck_Xq3v9LmAb2kq0ZyT1f8hWcE4rN6sJ7uPiD5gKoBvMxY',
    description: 'The secret, shown this once (only its keyed hash is stored): send it as `Authorization: Bearer ck_…` or the socket’s `auth.token`',
  })
  key: string;
}

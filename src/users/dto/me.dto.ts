import { ApiProperty } from '@nestjs/swagger';
import { MetadataProperty } from '../../common/metadata/metadata.js';
import { MediaDto } from '../../media/dto/media.dto.js';
import type { Role } from '../../common/auth/auth-user.js';

/** The signed-in user's own account. */
export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com', description: 'Lower-cased' })
  email: string;

  @ApiProperty({ example: 'ada_l', pattern: '^[a-z0-9_]{3,32}$' })
  username: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName: string;

  @ApiProperty({ type: String, nullable: true, example: 'Computing', maxLength: 140 })
  statusText: string | null;

  @ApiProperty({ type: MediaDto, nullable: true, description: 'The avatar, or null' })
  avatar: MediaDto | null;

  @ApiProperty({ enum: ['user', 'admin'] })
  role: Role;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @MetadataProperty('Your custom fields (`PATCH /users/me/metadata`)')
  metadata: Record<string, unknown>;
}

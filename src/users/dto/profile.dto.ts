import { ApiProperty } from '@nestjs/swagger';
import { MediaDto } from '../../media/dto/media.dto.js';
import type { Page } from '../../common/pagination/page-query.dto.js';

export class PresenceDto {
  @ApiProperty({ description: 'Connected on any instance right now' })
  online: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the last connection ended' })
  lastSeenAt: string | null;
}

/** What any signed-in user may see of another: no email, no role. */
export class ProfileDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada_l' })
  username: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName: string;

  @ApiProperty({ type: String, nullable: true })
  statusText: string | null;

  @ApiProperty({ type: MediaDto, nullable: true, description: 'The avatar, or null' })
  avatar: MediaDto | null;

  @ApiProperty({ description: 'A bot account (created by an admin, acting through API keys), not a person' })
  isBot: boolean;

  @ApiProperty({ type: PresenceDto })
  presence: PresenceDto;
}

export class ProfilePageDto implements Page<ProfileDto> {
  @ApiProperty({ type: [ProfileDto] })
  items: ProfileDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

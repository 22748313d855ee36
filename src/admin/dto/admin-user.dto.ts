import { ApiProperty } from '@nestjs/swagger';
import type { Role } from '../../common/auth/auth-user.js';
import type { Page } from '../../common/pagination/page-query.dto.js';

/** A user as admins see them. */
export class AdminUserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ example: 'ada_l' })
  username: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName: string;

  @ApiProperty({ enum: ['user', 'admin'] })
  role: Role;

  @ApiProperty()
  banned: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSeenAt: string | null;
}

export class AdminUserPageDto implements Page<AdminUserDto> {
  @ApiProperty({ type: [AdminUserDto] })
  items: AdminUserDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

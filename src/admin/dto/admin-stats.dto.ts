import { ApiProperty } from '@nestjs/swagger';

export class AdminStatsDto {
  @ApiProperty({ description: 'Accounts, banned ones included' })
  users: number;

  @ApiProperty({ description: 'Direct and group conversations' })
  conversations: number;

  @ApiProperty({ description: 'Messages ever sent, deleted ones (tombstones) included' })
  messages: number;

  @ApiProperty({ description: 'Users with at least one connected socket, on any instance' })
  onlineUsers: number;
}

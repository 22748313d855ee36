import { ApiProperty } from '@nestjs/swagger';

export class AdminStatsDto {
  @ApiProperty({ description: 'Accounts, banned ones included' })
  users: number;

  @ApiProperty({ description: 'Users with at least one connected socket, on any instance' })
  onlineUsers: number;
}

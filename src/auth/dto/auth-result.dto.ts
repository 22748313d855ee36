import { ApiProperty } from '@nestjs/swagger';
import { MeDto } from '../../users/dto/me.dto.js';

export class AuthResultDto {
  @ApiProperty({ type: MeDto })
  user: MeDto;

  @ApiProperty({ description: 'JWT for `Authorization: Bearer …`' })
  accessToken: string;

  @ApiProperty({ description: 'Opaque; exchange it at `/auth/refresh` for a new pair. Single use.' })
  refreshToken: string;

  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' })
  accessTokenExpiresIn: number;
}

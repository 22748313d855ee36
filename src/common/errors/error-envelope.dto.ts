import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({ example: 'email' })
  field: string;

  @ApiProperty({ example: 'email must be an email' })
  message: string;
}

/** The one shape of every error response, for the OpenAPI document. */
export class ErrorEnvelopeDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable UPPER_SNAKE code' })
  code: string;

  @ApiProperty({ example: 'The request is not valid' })
  message: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];

  @ApiProperty({ example: '6f1c2a4e-3b1d-4c55-9a53-1f0c7f5b2a10' })
  requestId: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type ErrorCode, HTTP_ERROR_CODES } from './error-codes.js';

export class ErrorDetailDto {
  @ApiProperty({ example: 'email' })
  field: string;

  @ApiProperty({ example: 'email must be an email' })
  message: string;
}

/** The one shape of every error response, for the OpenAPI document. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400, description: 'The HTTP status, repeated' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({
    enum: HTTP_ERROR_CODES,
    enumName: 'ErrorCode',
    example: 'VALIDATION_FAILED',
    description: 'Stable, machine-readable; the table in the document description says what each means (src/common/errors/error-codes.ts)',
  })
  code: ErrorCode;

  @ApiProperty({ example: 'The request is not valid' })
  message: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];

  @ApiProperty({ example: '6f1c2a4e-3b1d-4c55-9a53-1f0c7f5b2a10' })
  requestId: string;
}

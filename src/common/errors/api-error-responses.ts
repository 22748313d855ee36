import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from './error-envelope.dto.js';

/**
 * Documents a route's error answers, all in the envelope:
 * `@ApiErrors({ 404: 'No such user', 409: 'Email taken' })`.
 */
export function ApiErrors(descriptions: Partial<Record<400 | 401 | 403 | 404 | 409 | 413 | 415 | 416 | 429 | 503, string>>) {
  return applyDecorators(
    ...Object.entries(descriptions).map(([status, description]) => ApiResponse({ status: Number(status), description, type: ErrorEnvelopeDto })),
  );
}

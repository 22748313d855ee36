import { HttpException, HttpStatus } from '@nestjs/common';
import type { ErrorCode } from './error-codes.js';

export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * Every error a user can cause: an HTTP status, a stable machine-readable `code` (one of `ERROR_CODES`), a human message and,
 * where they help, details per field. The exception filter turns these into the contract's envelope.
 */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message, status);
  }
}

export class ValidationFailed extends AppException {
  constructor(details: ErrorDetail[], message = 'The request is not valid') {
    super(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, details);
  }
}

export class Unauthorized extends AppException {
  constructor(message = 'Authentication is required', code: ErrorCode = 'UNAUTHORIZED') {
    super(HttpStatus.UNAUTHORIZED, code, message);
  }
}

export class Forbidden extends AppException {
  constructor(message = 'You are not allowed to do this', code: ErrorCode = 'FORBIDDEN') {
    super(HttpStatus.FORBIDDEN, code, message);
  }
}

/** Also what a caller gets for something that exists but is not theirs to see. */
export class NotFound extends AppException {
  constructor(what = 'Resource') {
    super(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} not found`);
  }
}

export class Conflict extends AppException {
  constructor(message: string, details?: ErrorDetail[]) {
    super(HttpStatus.CONFLICT, 'CONFLICT', message, details);
  }
}

/** Any 429 that says when to come back: `retry-after` on REST, `retryAfter` in a socket acknowledgement. */
export class RateLimited extends AppException {
  constructor(
    readonly retryAfterSeconds: number,
    code: ErrorCode = 'RATE_LIMITED',
    message = 'Too many requests, slow down',
    details?: ErrorDetail[],
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, code, message, details);
  }
}

export class ServiceUnavailable extends AppException {
  constructor(message = 'A service this request needs is unavailable, try again shortly', details?: ErrorDetail[]) {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'SERVICE_UNAVAILABLE', message, details);
  }
}

export class PayloadTooLarge extends AppException {
  constructor(message = 'The request is too large') {
    super(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', message);
  }
}

export class UnsupportedMediaType extends AppException {
  constructor(message = 'This type of content is not accepted') {
    super(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** A `Range` no byte of the resource falls in; the filter adds `content-range: bytes *\/<size>`. */
export class RangeNotSatisfiable extends AppException {
  constructor(readonly size: number) {
    super(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, 'RANGE_NOT_SATISFIABLE', 'The requested range is outside the content');
  }
}

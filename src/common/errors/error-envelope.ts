import { HttpException, HttpStatus } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { DependencyUnavailableError } from '../../shared-state/shared-state.js';
import { AppException, type ErrorDetail } from './app.exception.js';
import { type ErrorCode, genericCodeFor } from './error-codes.js';
import { conflictMessageFor } from './unique-constraints.js';

/** The contract's one error shape. */
export interface ErrorEnvelope {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  requestId: string;
}

/** Fastify's own errors (bad JSON, wrong content type, body too large) carry a status and a code. */
interface FastifyError {
  statusCode: number;
  code: string;
  message: string;
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003']);

function reasonPhrase(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

function envelope(status: number, code: ErrorCode, message: string, requestId: string, details?: ErrorDetail[]): ErrorEnvelope {
  return { statusCode: status, error: reasonPhrase(status), code, message, ...(details?.length ? { details } : {}), requestId };
}

function frameworkMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Only application/json bodies are accepted (multipart/form-data on the upload route)';
  return error.statusCode === 400 ? `The request body is not valid: ${error.message}` : error.message;
}

function isFastifyError(error: unknown): error is FastifyError {
  const candidate = error as Partial<FastifyError> | null;
  return typeof candidate?.statusCode === 'number' && typeof candidate.code === 'string' && candidate.code.startsWith('FST_');
}

/** True for errors that mean "the database is not reachable right now", as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as { code?: string; message?: string; driverError?: unknown } | null;
  if (!candidate) return false;
  if (candidate.code && CONNECTION_ERROR_CODES.has(candidate.code)) return true;
  if (candidate.driverError && candidate.driverError !== error) return isDatabaseUnavailable(candidate.driverError);
  // TypeORM gives a connection back to the pool as soon as it reports an error, even between two queries
  // of one operation or transaction; the next query then fails with one of these instead.
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Query read timeout|Connection is not established/i.test(
    candidate.message ?? '',
  );
}

/**
 * Maps anything thrown to the envelope and says whether it was the server's fault (to be logged).
 * Only `AppException`s and recognised framework errors reveal their message; the rest is `INTERNAL`.
 */
export function toErrorEnvelope(error: unknown, requestId: string): { body: ErrorEnvelope; serverFault: boolean } {
  if (error instanceof AppException) {
    return { body: envelope(error.getStatus(), error.code, error.message, requestId, error.details), serverFault: false };
  }
  if (error instanceof ThrottlerException) {
    return { body: envelope(429, 'RATE_LIMITED', 'Too many requests, slow down', requestId), serverFault: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500 && status !== 503) return internal(requestId);
    return { body: envelope(status, genericCodeFor(status), error.message, requestId), serverFault: false };
  }
  if (isFastifyError(error) && error.statusCode < 500) {
    const status = error.statusCode;
    return { body: envelope(status, genericCodeFor(status), frameworkMessage(error), requestId), serverFault: false };
  }
  if (error instanceof DependencyUnavailableError || isDatabaseUnavailable(error)) {
    const dependency = error instanceof DependencyUnavailableError ? error.dependency : 'database';
    return {
      body: envelope(503, 'SERVICE_UNAVAILABLE', `The ${dependency} is unavailable, try again shortly`, requestId),
      serverFault: false,
    };
  }
  if (error instanceof QueryFailedError) {
    const conflict = conflictMessageFor(error);
    if (conflict) return { body: envelope(409, 'CONFLICT', conflict, requestId), serverFault: false };
  }
  return internal(requestId);
}

function internal(requestId: string) {
  return { body: envelope(500, 'INTERNAL', 'Something went wrong on our side', requestId), serverFault: true };
}

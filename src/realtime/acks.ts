import { randomUUID } from 'node:crypto';
import type { Logger, Type } from '@nestjs/common';
import { AppException, RateLimited, ValidationFailed } from '../common/errors/app.exception.js';
import { toErrorEnvelope } from '../common/errors/error-envelope.js';
import { createValidationPipe } from '../common/validation/validation.pipe.js';
import type { Ack } from './events.map.js';

const pipe = createValidationPipe();

/**
 * A client payload checked exactly like a REST body (the same pipe: unknown fields refused, values
 * converted), or `ValidationFailed`. Anything but a plain object is refused before the pipe sees it.
 */
export async function validatePayload<T extends object>(type: Type<T>, payload: unknown): Promise<T> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new ValidationFailed([{ field: '', message: 'the payload must be a JSON object' }], 'The payload must be a JSON object');
  }
  return (await pipe.transform(payload, { type: 'body', metatype: type })) as T;
}

/**
 * What a failed client event answers: the same code and message REST would give (`VALIDATION_FAILED`
 * with every broken rule in the message and, like REST, in `details`, `NOT_FOUND`, `RATE_LIMITED` with `retryAfter`, `SERVICE_UNAVAILABLE` while
 * the database or Redis is away), and `INTERNAL` without details for anything unexpected, which is logged.
 */
export function toFailedAck(error: unknown, logger: Logger, context: { event: string; userId?: string }): Ack {
  const errorId = randomUUID();
  const { body, serverFault } = toErrorEnvelope(error, errorId);
  if (serverFault) logger.error({ err: error, errorId, ...context }, `Unhandled error in socket event ${context.event}`);
  const details = error instanceof AppException ? error.details : undefined;
  const message =
    error instanceof ValidationFailed && details?.length
      ? `${body.message}: ${details.map((detail) => `${detail.field ? `${detail.field}: ` : ''}${detail.message}`).join('; ')}`
      : body.message;
  return {
    ok: false,
    error: {
      code: body.code,
      message,
      ...(details?.length ? { details } : {}),
      ...(error instanceof RateLimited ? { retryAfter: error.retryAfterSeconds } : {}),
    },
  };
}

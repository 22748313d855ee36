import type { components } from './generated/openapi.js';
import type { components as socketComponents } from './generated/asyncapi.js';

/** Every `code` the server answers, over REST (`ErrorEnvelope`) or in a socket acknowledgement. */
export type ServerErrorCode = components['schemas']['ErrorCode'] | socketComponents['schemas']['AckErrorDto']['code'];
/** The kit's own codes: the request never got an answer (`NETWORK`), or not in time (`TIMEOUT`). */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'SIGNED_OUT';
export type ChatErrorCode = ServerErrorCode | ClientErrorCode;

/** One broken rule of a `VALIDATION_FAILED`. */
export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * The one error type the kit throws: narrow it by `code` (`if (isChatError(error, 'RATE_LIMITED')) …`).
 * `status` is the HTTP status (0 for socket and client errors), `retryAfter` seconds when the server said so.
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly status = 0,
    readonly details: ErrorDetail[] = [],
    readonly retryAfter?: number,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Worth sending again later, unchanged (the outbox does): the network, a timeout, an overloaded or failing server, a rate limit. */
  get retryable(): boolean {
    return ['NETWORK', 'TIMEOUT', 'SERVICE_UNAVAILABLE', 'INTERNAL', 'RATE_LIMITED'].includes(this.code);
  }
}

/** `error` is a {@link ChatError} (with that `code`, when given). */
export function isChatError<C extends ChatErrorCode>(error: unknown, code?: C): error is ChatError & { code: C } {
  return error instanceof ChatError && (code === undefined || error.code === code);
}

/** The server's error body: `{ statusCode, error, code, message, details?, requestId }`. */
interface Envelope {
  code?: string;
  message?: string;
  details?: ErrorDetail[];
  requestId?: string;
}

/** A ChatError from a REST answer that is not 2xx. */
export function errorFromResponse(response: Response, body: unknown): ChatError {
  const envelope = (body ?? {}) as Envelope;
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ChatError(
    (envelope.code as ChatErrorCode | undefined) ?? (response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED'),
    envelope.message ?? `HTTP ${response.status}`,
    response.status,
    envelope.details ?? [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    envelope.requestId ?? response.headers.get('x-request-id') ?? undefined,
  );
}

/** A ChatError from a failed socket acknowledgement. */
export function errorFromAck(error: { code: string; message: string; details?: ErrorDetail[]; retryAfter?: number }): ChatError {
  return new ChatError(error.code as ChatErrorCode, error.message, 0, error.details ?? [], error.retryAfter);
}

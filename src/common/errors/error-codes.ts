/**
 * THE list of error codes: every `code` the server can answer, in an HTTP error envelope or a socket
 * acknowledgement, with its HTTP status and what it means. `AppException` takes only these codes, the
 * envelope's generic codes per status come from here, and both documents derive their enums from it
 * (`ErrorEnvelope.code` in /docs/openapi.json, the acknowledgement's `error.code` in /docs/asyncapi.json).
 * A new code starts here.
 */
interface ErrorCodeSpec {
  /** The HTTP status it answers with (a socket acknowledgement carries the code only). */
  status: number;
  meaning: string;
  /** Where it can be answered: REST, socket acknowledgements, or both. */
  over: 'http' | 'socket' | 'both';
  /** The code of its status when nothing more specific applies (framework errors, bare HTTP exceptions). */
  generic?: true;
}

export const ERROR_CODES = {
  VALIDATION_FAILED: {
    status: 400,
    meaning: 'The request or payload is not valid (a field, a parameter, a malformed JSON body); `details` names each broken rule',
    over: 'both',
    generic: true,
  },
  UNAUTHORIZED: {
    status: 401,
    meaning: 'Missing, malformed, expired, tampered or revoked access token; unknown, expired or revoked refresh token',
    over: 'both',
    generic: true,
  },
  INVALID_CREDENTIALS: { status: 401, meaning: 'Wrong email or password (one answer for both)', over: 'http' },
  TOKEN_REUSED: { status: 401, meaning: 'A spent refresh token was presented again: its whole session is now revoked', over: 'http' },
  FORBIDDEN: { status: 403, meaning: 'Signed in, but not allowed: wrong role (global or in the conversation)', over: 'both', generic: true },
  URL_EXPIRED: {
    status: 403,
    meaning: 'A signed media URL past its expiry (its signature is good): ask `GET /media/:id` or the payload that carried it for a fresh one',
    over: 'http',
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    meaning:
      "Authenticated with an API key whose scopes don't include the one this route or event needs (the answer's message names it); also a key on a route only a signed-in session may use",
    over: 'both',
  },
  USER_BANNED: { status: 403, meaning: 'The account is banned', over: 'http' },
  MUTED: {
    status: 403,
    meaning: 'An owner or admin muted the caller in this conversation: reading goes on, posting does not (`details` names `until` for a mute that ends)',
    over: 'both',
  },
  READ_ONLY: { status: 403, meaning: 'The group is in `announcements` mode: only its owner and admins post', over: 'both' },
  MESSAGE_REJECTED: { status: 403, meaning: 'The pre-send hook (PRE_SEND_HOOK_URL) rejected the message; the message is its reason', over: 'both' },
  BLOCKED: { status: 403, meaning: 'One of the two users blocked the other: no direct messages, no new direct conversation', over: 'both' },
  NOT_FOUND: {
    status: 404,
    meaning: 'No such resource, or one the caller may not see (the same answer, so existence is not leaked); also an unknown route',
    over: 'both',
    generic: true,
  },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route does not take this method', over: 'http', generic: true },
  NOT_ACCEPTABLE: { status: 406, meaning: 'No representation matches the `accept` header', over: 'http', generic: true },
  CONFLICT: {
    status: 409,
    meaning:
      'The change contradicts the current state: a taken email or username, editing a deleted message, a second open report of one target, resolving a resolved report, …',
    over: 'both',
    generic: true,
  },
  REQUEST_TIMEOUT: { status: 408, meaning: 'A request body arrived slower than HTTP_MIN_BODY_RATE: it was cut off and the connection closed', over: 'http' },
  REACTION_LIMIT: {
    status: 409,
    meaning: 'The message has as many distinct emoji as it may (REACTIONS_PER_MESSAGE): react with one already there',
    over: 'http',
  },
  SOCKET_LIMIT: {
    status: 429,
    meaning: 'The `connect_error` of a handshake refused because the user has SOCKETS_PER_USER sockets connected: close one first',
    over: 'socket',
  },
  ROOM_LIMIT: { status: 409, meaning: 'The socket is in as many conversation rooms as it may be: leave one first', over: 'socket' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'A body over 1 MiB, an upload over MEDIA_MAX_BYTES or the quota, an image over 50 megapixels',
    over: 'http',
    generic: true,
  },
  URI_TOO_LONG: { status: 414, meaning: 'The URL is too long', over: 'http', generic: true },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'A body that is not `application/json` (or multipart on the upload route); an upload of a type not accepted',
    over: 'http',
    generic: true,
  },
  RANGE_NOT_SATISFIABLE: { status: 416, meaning: 'A `range` that starts past the end of the content', over: 'http', generic: true },
  RATE_LIMITED: { status: 429, meaning: 'Over a rate limit: wait `retry-after` seconds (`retryAfter` in an acknowledgement)', over: 'both', generic: true },
  SLOW_MODE: {
    status: 429,
    meaning:
      'The group is in slow mode and the caller posted less than `slowModeSeconds` ago: wait `retry-after` seconds (`retryAfter` in `details` and in an acknowledgement)',
    over: 'both',
  },
  UNKNOWN_EVENT: { status: 404, meaning: 'A client event the server does not know (see the AsyncAPI document)', over: 'socket' },
  REQUEST_REFUSED: {
    status: 400,
    meaning: 'The HTTP layer refused the request with a 4xx status no other code covers (the status says which); not expected from a well-formed client',
    over: 'http',
  },
  INTERNAL: {
    status: 500,
    meaning: 'A fault on the server; nothing about it is told, the logs have it under the same `requestId`',
    over: 'both',
    generic: true,
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    meaning: 'The database or Redis is unavailable, or the server is shutting down: retry shortly',
    over: 'both',
    generic: true,
  },
  INSUFFICIENT_STORAGE: { status: 507, meaning: 'The media storage is full: the upload was not kept; try again later', over: 'http' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** Every code a REST answer can carry, in table order. */
export const HTTP_ERROR_CODES: ErrorCode[] = codes.filter((code) => ERROR_CODES[code].over !== 'socket');

/** Every code a socket acknowledgement can carry, in table order. */
export const SOCKET_ERROR_CODES: ErrorCode[] = codes.filter((code) => ERROR_CODES[code].over !== 'http');

/** The code for a status when nothing more specific is known. */
export function genericCodeFor(status: number): ErrorCode {
  if (status >= 500) return status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL';
  const generic = codes.find((code) => ERROR_CODES[code].status === status && 'generic' in ERROR_CODES[code]);
  return generic ?? 'REQUEST_REFUSED';
}

/** The table as Markdown, for the documents' descriptions. */
export function errorCodeTable(which: readonly ErrorCode[]): string {
  return [
    '| code | status | meaning |',
    '| --- | --- | --- |',
    ...which.map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].meaning} |`),
  ].join('\n');
}

/**
 * CORS, one policy for REST and the Socket.IO handshake, from `CORS_ORIGINS`:
 * - unset: no cross-origin access (the server's own origin only);
 * - `*`: any origin, **without credentials** (`access-control-allow-origin: *`, no
 *   `access-control-allow-credentials`). The API authenticates with bearer tokens, never cookies, so a
 *   page needs no credentials; reflecting any origin with credentials would let every site on the web
 *   send the browser's cookies and TLS client certificates along, should a deployment ever add them;
 * - a list of origins (`https://app.example,https://admin.example`): exactly those, with credentials
 *   allowed (for deployments that put the API behind cookie-based auth of their own).
 */

/** What the API's methods are; the CORS plugin's default (GET, HEAD, POST) would block PATCH, PUT, DELETE. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Request headers a page may send beyond the CORS-safelisted ones. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-request-id', 'if-none-match', 'if-range', 'range'];

/** Response headers a page may read beyond the CORS-safelisted ones (content-type, content-length, …). */
export const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
  'etag',
  'content-range',
  'accept-ranges',
  'content-disposition',
];

/**
 * How long a browser may cache a preflight, in seconds: 2 hours, the most Chromium honours (Firefox
 * would take a day). Without it nearly every authenticated call is preflighted again.
 */
export const CORS_MAX_AGE_SECONDS = 7200;

export interface CorsPolicy {
  /** `'*'`, or the exact origins allowed (empty: none). */
  origin: '*' | string[];
  credentials: boolean;
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  if (origins.includes('*')) return { origin: '*', credentials: false };
  return { origin: [...origins], credentials: origins.length > 0 };
}

/**
 * The options of `@fastify/cors` (REST, through `app.enableCors`). A request without an `Origin` header
 * is not a CORS request (curl, apps, services, same-origin navigation): it gets no CORS headers but
 * `vary: Origin`, instead of the expose list on every answer.
 */
export function restCorsOptions(origins: readonly string[]) {
  const { origin, credentials } = corsPolicy(origins);
  return {
    origin: (requestOrigin: string | undefined, answer: (error: Error | null, allow: typeof origin | false) => void) =>
      answer(null, requestOrigin ? origin : false),
    credentials,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
  };
}

/** The options of Socket.IO's `cors` (its long-polling requests, which don't go through Fastify). */
export function socketCorsOptions(origins: readonly string[]) {
  const { origin, credentials } = corsPolicy(origins);
  return { origin, credentials, methods: ['GET', 'POST'], maxAge: CORS_MAX_AGE_SECONDS };
}

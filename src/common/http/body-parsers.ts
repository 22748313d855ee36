import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnsupportedMediaType, ValidationFailed } from '../errors/app.exception.js';
import { jsonTextProblem } from '../validation/input-shape.js';

/**
 * The routes that take `multipart/form-data` (their upload interceptor reads it), as `METHOD /route`.
 * @fastify/multipart accepts the type on every route; everywhere else it is refused like any other.
 */
export const MULTIPART_ROUTES = new Set(['POST /api/v1/media']);

const BODY_REFUSAL = Symbol('body-refusal');
type RefusedRequest = FastifyRequest & { [BODY_REFUSAL]?: Error };

/**
 * A JSON body refused once it has been read whole (malformed, too deep, too wide) is answered from
 * `preValidation`, not by failing the parse: Fastify closes the connection after a parser error (a body
 * might still be arriving), so a client that sent one bad body would lose its keep-alive connection —
 * and a script sending many would make the server pay a TCP handshake for each.
 */
function refuseAfterParsing(request: FastifyRequest, error: Error, done: (error: Error | null, body?: unknown) => void): void {
  (request as RefusedRequest)[BODY_REFUSAL] = error;
  done(null, undefined);
}

const UNSUPPORTED = 'Only application/json bodies are accepted (multipart/form-data on the upload route)';

/**
 * The only request bodies the API parses: `application/json` (any charset parameter), and multipart on
 * the upload route (`MULTIPART_ROUTES`; the parser comes with the media module's interceptor). Fastify's own `text/plain` parser is
 * removed and Nest's urlencoded one never registered (`bodyParser: false`), so anything else — a form
 * post, `text/plain`, XML — is 415 `UNSUPPORTED_MEDIA_TYPE` before any route sees it. That also closes
 * the "simple request" door: a page on any origin can send those two types without a preflight, so
 * accepting them would let any site sign people up through their browsers.
 *
 * An empty body sent with `content-type: application/json` (many fetch wrappers send the header on every
 * call) counts as no body, as if the header were absent.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body: string, done) => {
    if (body.length === 0) return done(null, undefined);
    // Too deep or too wide is refused before parsing: building such a body is the expensive part.
    const problem = jsonTextProblem(body, 'body');
    if (problem) return refuseAfterParsing(request, new ValidationFailed([problem.detail], problem.summary), done);
    void parseJson(request, body as string, (error, parsed) => (error ? refuseAfterParsing(request, error, done) : done(null, parsed)));
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const refusal = (request as RefusedRequest)[BODY_REFUSAL];
    if (refusal) return done(refusal);
    const multipart = /^multipart\//i.test(request.headers['content-type'] ?? '');
    if (multipart && !MULTIPART_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) return done(new UnsupportedMediaType(UNSUPPORTED));
    done();
  });
}

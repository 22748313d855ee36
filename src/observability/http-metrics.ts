import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger as PinoInstance } from 'pino';
import type { Histogram } from 'prom-client';

export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';

/** The route template (`/api/v1/conversations/:id`), never the raw URL, so label cardinality stays bounded. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * Records the HTTP histogram and writes one log line per request in Fastify's `onResponse` hook. It runs
 * for every response — including the 401s, 403s and 429s that guards send before any Nest interceptor
 * would run, and the 404s of unknown routes — which is why it is a hook and not an interceptor.
 */
export function registerRequestObservers(fastify: FastifyInstance, histogram: Histogram<string>, logger: PinoInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    const seconds = reply.elapsedTime / 1000;
    histogram.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    // The line's object is not even built when the level leaves it out.
    if (logger.isLevelEnabled('info'))
      logger.info(
        {
          requestId: request.id,
          method: request.method,
          route,
          url: request.url,
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          userId: (request as FastifyRequest & { user?: { id: string } }).user?.id,
        },
        'request completed',
      );
    done();
  });
}

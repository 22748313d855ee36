import type { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';

/**
 * What Nest's logger writes while a request is handled carries its `requestId`: the rest of Fastify's
 * chain for the request runs inside nestjs-pino's context (`runInContext` around `done`), so every await
 * after it keeps it. A hook, where nestjs-pino's own middleware needed middie and pino-http per request.
 */
export function registerRequestLogContext(fastify: FastifyInstance, logger: PinoInstance): void {
  const context = new PinoLogger({ pinoHttp: { logger } });
  fastify.addHook('onRequest', (request, _reply, done) => context.runInContext(done, { bindings: { requestId: request.id } }));
}

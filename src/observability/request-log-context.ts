import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

const requestIds = new AsyncLocalStorage<string>();

/**
 * What the root logger adds to each line it writes (pino's `mixin`): the id of the request being handled,
 * when there is one. Asked per line written, so a request that logs nothing costs nothing here — where a
 * child logger per request (nestjs-pino's `runInContext`) cost every request its bindings and redaction.
 */
export function requestLogMixin(): { requestId?: string } {
  const requestId = requestIds.getStore();
  // A new object each time: pino merges the line's own fields into it.
  return requestId === undefined ? {} : { requestId };
}

/**
 * The rest of Fastify's chain for each request runs with the request's id in context (around `done`),
 * so every await after it keeps it, and every line written meanwhile — by Nest's logger or pino — carries it.
 */
export function registerRequestLogContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => requestIds.run(String(request.id), done));
}

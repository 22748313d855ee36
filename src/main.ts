import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type AppConfig, loadConfig } from './config/app-config.js';
import { ROOT_LOGGER } from './observability/observability.module.js';
import { ConfigError } from './config/env-readers.js';
import { ServiceUnavailable } from './common/errors/app.exception.js';
import { toErrorEnvelope } from './common/errors/error-envelope.js';
import { createApp, type RunningApp } from './app.factory.js';
import { DataDirInUse } from './database/data-dir-lock.js';

/**
 * How long no new connection must have arrived before a stopping server closes its listener, answering
 * 503 meanwhile. Closing at once resets the connections the kernel accepted just before the signal that a
 * busy server had not taken in yet: a socket hang-up for requests their clients sent before the signal.
 * Draining them into 503s first gives those clients an answer they can retry elsewhere.
 */
const DRAIN_QUIET_MS = 300;

/**
 * Resolves once no connection has arrived for `quietMs`, or after `capMs`. Each check runs in the loop's
 * check phase (setImmediate), after the poll phase that accepts queued connections: a loop stalled past
 * the quiet period by a loaded CPU first takes in what queued meanwhile, and that restarts the wait.
 */
function untilQuiet(server: Server, quietMs: number, capMs: number): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    let last = started;
    const arrived = () => (last = performance.now());
    server.on('connection', arrived);
    const check = () =>
      setImmediate(() => {
        const now = performance.now();
        if (now - last < quietMs && now - started < capMs) return void setTimeout(check, quietMs - (now - last));
        server.off('connection', arrived);
        resolve();
      });
    setTimeout(check, quietMs);
  });
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/**
 * Once `stopping()` says so, every request that reaches the server from then on is answered 503 with
 * `connection: close`, while the requests it was already serving finish normally.
 */
function turnAwayWhile(running: RunningApp, stopping: () => boolean) {
  const fastify = running.app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!stopping()) return done();
    const { body } = toErrorEnvelope(new ServiceUnavailable('The server is shutting down, try again'), String(request.id));
    void reply.header('connection', 'close').header('retry-after', '1').status(503).type('application/json; charset=utf-8').send(body);
  });
}

/**
 * SIGTERM / SIGINT: turn new requests away with 503, stop accepting after a short drain, finish in-flight
 * requests, close sockets and connections, exit 0.
 */
function exitGracefully(running: RunningApp) {
  let stopping = false;
  turnAwayWhile(running, () => stopping);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const logger = running.app.get(ROOT_LOGGER);
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${running.config.shutdownTimeoutMs} ms, exiting anyway`);
      process.exit(1);
    }, running.config.shutdownTimeoutMs).unref();
    untilQuiet(running.app.getHttpServer() as Server, DRAIN_QUIET_MS, running.config.shutdownTimeoutMs / 2)
      .then(() => running.close())
      .then(() => {
        clearTimeout(deadline);
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** What an operator must fix before the server can start, in one line rather than a stack trace. */
async function startApp(config: AppConfig): Promise<RunningApp> {
  try {
    return await createApp(config);
  } catch (error) {
    if (!(error instanceof DataDirInUse)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const running = await startApp(config);
exitGracefully(running);
await running.app.listen({ port: config.port, host: config.host });
const logger = running.app.get(ROOT_LOGGER);
logger.info(`listening on http://${config.host}:${config.port}${config.docsEnabled ? ' (docs at /docs)' : ''}`);
if (running.metricsServer) logger.info(`metrics on ${running.metricsServer.url}/metrics`);

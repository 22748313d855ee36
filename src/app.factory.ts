import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { Histogram } from 'prom-client';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { ValidationFailed } from './common/errors/app.exception.js';
import { toErrorEnvelope } from './common/errors/error-envelope.js';
import { registerBodyParsers } from './common/http/body-parsers.js';
import { restCorsOptions } from './common/http/cors.js';
import { applySecurityHeaders } from './common/http/security-headers.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import { fastifyTrustProxy, validateForwardedFor } from './common/http/forwarded-for.js';
import { answerOversizedBodies, cutOffSlowBodies, httpServerOptions } from './common/http/http-limits.js';
import { withJwtSecret } from './config/jwt-secret.js';
import { resolveDatabase } from './database/database-connection.js';
import { runMigrations } from './database/run-migrations.js';
import { serveOpenApi } from './docs/openapi.js';
import { HTTP_REQUEST_DURATION, registerRequestObservers } from './observability/http-metrics.js';
import { registerRequestLogContext } from './observability/request-log-context.js';
import { type MetricsServer, startMetricsServer } from './observability/metrics-access.js';
import { createRootLogger } from './observability/logger.js';
import { ROOT_LOGGER } from './observability/observability.module.js';
import { serveAsyncApi } from './docs/asyncapi.js';
import { createSocketAdapter } from './realtime/socket-io.adapter.js';

export const API_PREFIX = 'api/v1';
const JSON_BODY_LIMIT = 1024 * 1024;
const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;
/**
 * Longer than any URL Node lets in (16 KiB of request line and headers), so a long path parameter is
 * judged by its route's validation (400 naming it) instead of being refused by the router.
 */
const MAX_PATH_PARAMETER_LENGTH = 16 * 1024;

/** A client's own `x-request-id` is kept when it is a sane token, so a trace can cross services. */
function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * What Fastify's router refuses before any hook or filter runs (a path with a malformed percent-escape),
 * in the envelope like every other error, instead of Fastify's own body without a request id.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refusal =
    error.code === 'FST_ERR_BAD_URL'
      ? new ValidationFailed([{ field: 'path', message: 'the path has a malformed percent-escape' }], 'The URL is not valid')
      : error;
  const { body } = toErrorEnvelope(refusal, String(request.id));
  void reply.header('x-request-id', request.id).status(body.statusCode).type('application/json; charset=utf-8').send(body);
}

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** The metrics server of its own, when METRICS_PORT is set (listening already). */
  metricsServer: MetricsServer | undefined;
  /** Stops serving, waits for in-flight requests, then lets go of the database. */
  close(): Promise<void>;
}

/** Builds the whole application; `main.ts` and the e2e tests both start it through here. */
export async function createApp(given: AppConfig): Promise<RunningApp> {
  const logger = createRootLogger(given);
  const config = withJwtSecret(given, (message) => logger.warn(message));
  const database = await resolveDatabase(config);
  if (database.embedded) logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: using the embedded PostgreSQL');
  let metricsServer: MetricsServer | undefined;
  try {
    const applied = await runMigrations(database.url, logger);
    if (applied.length) logger.info({ migrations: applied }, 'applied migrations');
    // Before the app, so a taken METRICS_PORT stops the start-up early; it reads prom-client's registry per scrape.
    if (config.metrics.port !== undefined) metricsServer = await startMetricsServer({ ...config.metrics, port: config.metrics.port });
    const adapter = new FastifyAdapter({
      trustProxy: fastifyTrustProxy(config.trustProxy),
      bodyLimit: JSON_BODY_LIMIT,
      ...httpServerOptions(config.http),
      genReqId: requestIdOf,
      requestIdHeader: false,
      routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
      frameworkErrors: answerFrameworkError,
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ config, database, logger }), adapter, {
      bufferLogs: true,
      // Nest's parsers include a urlencoded one; `registerBodyParsers` installs the API's own (JSON only).
      bodyParser: false,
    });
    app.useLogger(app.get(Logger));
    // Socket.IO on the same HTTP server; app.close() closes every socket (clients see `transport close`
    // and reconnect, elsewhere if this instance is going away).
    app.useWebSocketAdapter(createSocketAdapter(app, config));
    configureHttp(app, config);
    return {
      app,
      config,
      metricsServer,
      async close() {
        await metricsServer?.close();
        await app.close();
        await database.release();
      },
    };
  } catch (error) {
    await metricsServer?.close();
    await database.release();
    throw error;
  }
}

function configureHttp(app: NestFastifyApplication, config: AppConfig) {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  validateForwardedFor(fastify, config.trustProxy);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  registerRequestLogContext(fastify);
  registerBodyParsers(fastify, JSON_BODY_LIMIT);
  applySecurityHeaders(app);
  answerOversizedBodies(fastify, JSON_BODY_LIMIT);
  cutOffSlowBodies(fastify, config.http.minBodyRate);
  registerRequestObservers(fastify, app.get<Histogram<string>>(getToken(HTTP_REQUEST_DURATION)), app.get(ROOT_LOGGER));
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.enableCors(restCorsOptions(config.corsOrigins));
  if (config.docsEnabled) {
    serveOpenApi(app);
    serveAsyncApi(app);
  }
}

import { Global, Module } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger as PinoInstance } from 'pino';
import { MediaStorageModule } from '../media/media-storage.module.js';
import { HealthController } from './health.controller.js';
import { HTTP_REQUEST_DURATION } from './http-metrics.js';
import { MetricsController } from './metrics.controller.js';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Logs, metrics and health: what an operator needs to see the service. */
@Global()
@Module({})
export class ObservabilityModule {
  static register(rootLogger: PinoInstance) {
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRoot({
          // Requests are logged by `registerRequestObservers` (with the route template), and each request's
          // id reaches every line through the root logger's mixin (`registerRequestLogContext`, a Fastify hook):
          // no pino-http middleware (no routes), which cost a child logger of the whole request and middie, per request.
          pinoHttp: { logger: rootLogger, autoLogging: false },
          forRoutes: [],
        }),
        PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true }, controller: MetricsController }),
        TerminusModule.forRoot({ logger: false }),
        // Readiness reports the media storage.
        MediaStorageModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: ROOT_LOGGER, useValue: rootLogger },
        makeHistogramProvider({
          name: HTTP_REQUEST_DURATION,
          help: 'Duration of HTTP requests in seconds, by route template',
          labelNames: ['method', 'route', 'status_code'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        }),
      ],
      exports: [ROOT_LOGGER, PrometheusModule],
    };
  }
}

import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { register } from 'prom-client';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Public } from '../common/auth/auth.decorators.js';
import { NotFound, Unauthorized } from '../common/errors/app.exception.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { carriesMetricsToken } from './metrics-access.js';

/**
 * The Prometheus endpoint. Open by default, like the health checks (the global auth guard denies by
 * default, hence `@Public()`); METRICS_TOKEN closes it to all but the scraper, METRICS_PORT moves it to a
 * port of its own (then it is not found here).
 */
@ApiTags('service')
@Public()
@Controller()
export class MetricsController {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'With METRICS_TOKEN set, send `Authorization: Bearer <METRICS_TOKEN>`. With METRICS_PORT set, served on that port instead.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiUnauthorizedResponse({ type: ErrorEnvelopeDto, description: '`UNAUTHORIZED`: METRICS_TOKEN is set and the request does not carry it' })
  @ApiNotFoundResponse({ type: ErrorEnvelopeDto, description: '`NOT_FOUND`: METRICS_PORT is set, metrics are served there' })
  async index(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: FastifyReply) {
    const { port, token } = this.config.metrics;
    if (port !== undefined) throw new NotFound('Route');
    if (token && !carriesMetricsToken(authorization, token)) throw new Unauthorized('Metrics need the METRICS_TOKEN bearer token');
    void response.header('content-type', register.contentType);
    return register.metrics();
  }
}

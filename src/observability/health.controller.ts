import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Public } from '../common/auth/auth.decorators.js';
import { ServiceUnavailable } from '../common/errors/app.exception.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { SharedState } from '../shared-state/shared-state.js';

const CHECK_TIMEOUT_MS = 1_500;

@ApiTags('service')
@Public()
@SkipThrottle({ default: true, auth: true })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly state: SharedState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs, whatever its dependencies do' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Readiness: 200 when the database (and Redis, when configured) answer, 503 naming the ones that do not' })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: 'up', redis: 'up' } } } })
  @ApiServiceUnavailableResponse({ type: ErrorEnvelopeDto, description: '`details` names each dependency that is down' })
  async ready() {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })];
    if (this.config.redisUrl) {
      checks.push(() => this.indicators.check('redis').attempt(() => this.state.ping()).withTimeout(CHECK_TIMEOUT_MS));
    }
    try {
      const result = await this.health.check(checks);
      return { status: 'ok', checks: Object.fromEntries(Object.keys(result.details).map((name) => [name, 'up'])) };
    } catch (error) {
      const failed = (error as { response?: { error?: Record<string, { message?: string }> } }).response?.error ?? {};
      throw new ServiceUnavailable(
        'Not ready',
        Object.entries(failed).map(([field, detail]) => ({ field, message: `down${detail.message ? `: ${detail.message}` : ''}` })),
      );
    }
  }
}

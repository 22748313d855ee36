import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Public } from '../common/auth/auth.decorators.js';
import { SkipRateLimit } from '../common/rate-limits/rate-limit.decorators.js';
import { type ErrorDetail, ServiceUnavailable } from '../common/errors/app.exception.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { MediaStorage } from '../media/storage/media-storage.js';
import { SharedState } from '../shared-state/shared-state.js';

const CHECK_TIMEOUT_MS = 1_500;

@ApiTags('service')
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly state: SharedState,
    private readonly storage: MediaStorage,
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
  @ApiOperation({
    summary: 'Readiness: 200 when the database (and Redis, when configured) answer and the media storage can be reached, 503 naming the ones that do not',
    description:
      '`checks.media` is `low` when the media storage has less room than one largest upload (MEDIA_MAX_BYTES): the instance stays ready ' +
      '(chat works without uploads) and uploads that do not fit answer 507 `INSUFFICIENT_STORAGE`.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: 'up', redis: 'up', media: 'up' } } } })
  @ApiServiceUnavailableResponse({ type: ErrorEnvelopeDto, description: '`details` names each dependency that is down' })
  async ready() {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })];
    if (this.config.redisUrl) {
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(() => this.state.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
      );
    }
    const [dependencies, media] = await Promise.all([this.dependencyState(checks), this.mediaState()]);
    const down = [...dependencies.down, ...(media.state === 'down' ? [{ field: 'media', message: `down: ${media.reason}` }] : [])];
    if (down.length) throw new ServiceUnavailable('Not ready', down);
    return { status: 'ok', checks: { ...Object.fromEntries(dependencies.up.map((name) => [name, 'up'])), media: media.state } };
  }

  private async dependencyState(checks: HealthIndicatorFunction[]): Promise<{ up: string[]; down: ErrorDetail[] }> {
    try {
      return { up: Object.keys((await this.health.check(checks)).details), down: [] };
    } catch (error) {
      const failed = (error as { response?: { error?: Record<string, { message?: string }> } }).response?.error ?? {};
      return { up: [], down: Object.entries(failed).map(([field, detail]) => ({ field, message: `down${detail.message ? `: ${detail.message}` : ''}` })) };
    }
  }

  /** `low`: less room than one largest upload. `down`: the storage can't be reached (unmounted, not writable). */
  private async mediaState(): Promise<{ state: 'up' | 'low' | 'down'; reason?: string }> {
    try {
      const capacity = await Promise.race([
        this.storage.capacity(),
        new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no answer in time')), CHECK_TIMEOUT_MS).unref()),
      ]);
      return { state: capacity && capacity.freeBytes < this.config.media.maxBytes ? 'low' : 'up' };
    } catch (error) {
      return { state: 'down', reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  }
}

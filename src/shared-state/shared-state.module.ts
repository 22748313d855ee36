import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { MemorySharedState } from './memory-shared-state.js';
import { RedisSharedState } from './redis-shared-state.js';
import { SharedState } from './shared-state.js';

/** The one place that decides between Redis and memory. */
@Global()
@Module({
  providers: [
    {
      provide: SharedState,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.redisUrl ? new RedisSharedState(config.redisUrl) : new MemorySharedState()),
    },
  ],
  exports: [SharedState],
})
export class SharedStateModule implements OnApplicationShutdown {
  constructor(@Inject(SharedState) private readonly state: SharedState) {}

  async onApplicationShutdown() {
    await this.state.close();
  }
}

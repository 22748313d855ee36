import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimits } from './rate-limits.service.js';

/** The rate-limit registry's service for every module, and the HTTP guard. */
@Global()
@Module({
  providers: [RateLimits, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [RateLimits],
})
export class RateLimitsModule {}

import { Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { SharedState } from '../../shared-state/shared-state.js';
import { AUTH_RATE_LIMITED } from './rate-limit.decorators.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { SharedThrottlerStorage } from './shared-throttler.storage.js';

const MINUTE_MS = 60_000;

/** Signed-in callers are counted per user, so people behind one NAT don't share a budget. */
function trackCaller(request: Record<string, unknown>): string {
  const { user, ip } = request as unknown as FastifyRequest & { user?: { id: string } };
  return user ? `user:${user.id}` : `ip:${ip}`;
}

function throttlers(config: AppConfig, reflector: Reflector): ThrottlerOptions[] {
  return [
    { name: 'default', ttl: MINUTE_MS, limit: config.throttle.limit, getTracker: trackCaller },
    {
      name: 'auth',
      ttl: MINUTE_MS,
      limit: config.throttle.authLimit,
      getTracker: (request) => `ip:${(request as FastifyRequest).ip}`,
      // One budget per IP for all credential routes together, not one per route.
      generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      skipIf: (context) => !reflector.getAllAndOverride<boolean>(AUTH_RATE_LIMITED, [context.getHandler(), context.getClass()]),
    },
  ];
}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, SharedState, Reflector],
      useFactory: (config: AppConfig, state: SharedState, reflector: Reflector) => ({
        throttlers: throttlers(config, reflector),
        storage: new SharedThrottlerStorage(state),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class ThrottlingModule {}

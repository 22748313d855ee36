import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { RateLimited } from '../errors/app.exception.js';
import { AUTH_RATE_LIMITED, SKIP_RATE_LIMIT } from './rate-limit.decorators.js';
import { RateLimit } from './rate-limits.js';
import { RateLimits, type RateLimitState } from './rate-limits.service.js';

/** Whose budget a request spends: an API key's own (a busy integration never starves its owner's apps), the user's, or the address's. */
const subjectOf = (user: AuthUser | undefined, ip: string) => (user?.apiKey ? `key:${user.apiKey.id}` : user ? `user:${user.id}` : `ip:${ip}`);

/**
 * The HTTP limits of the registry: `requests` for every route (per API key, per signed-in user, else per IP), and
 * `credentials` (per IP) for the routes marked `@AuthRateLimit()`. Runs after the authentication guard,
 * so it knows the user. One `x-ratelimit-*` set per response, from whichever limit is closest to running
 * out, and `retry-after` with the 429.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly rateLimits: RateLimits,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const states: RateLimitState[] = [await this.rateLimits.count(RateLimit.Requests, subjectOf(request.user, request.ip))];
    if (this.reflector.getAllAndOverride<boolean>(AUTH_RATE_LIMITED, targets))
      states.push(await this.rateLimits.count(RateLimit.Credentials, `ip:${request.ip}`));
    const closest = states.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    void reply.header('x-ratelimit-limit', String(closest.limit));
    void reply.header('x-ratelimit-remaining', String(Math.max(0, closest.remaining)));
    void reply.header('x-ratelimit-reset', String(closest.resetSeconds));
    if (closest.remaining < 0) throw new RateLimited(closest.resetSeconds);
    return true;
  }
}

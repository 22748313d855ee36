import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimited } from '../errors/app.exception.js';

const HEADERS_SET = Symbol('rate-limit-headers');

type ThrottledReply = FastifyReply & { [HEADERS_SET]?: number };

/**
 * @nestjs/throttler's guard with the contract's headers: one `x-ratelimit-*` set per response, from
 * whichever limit is closest to running out, and `retry-after` with the 429.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** Socket events have their own per-socket and per-user limits (src/realtime); this guard is for HTTP. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || super.canActivate(context);
  }

  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }: ThrottlerRequest) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<ThrottledReply>();
    const tracker = await getTracker(request, context);
    const key = generateKey(context, tracker, throttler.name!);
    const { totalHits, timeToExpire, isBlocked } = await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name!);
    const remaining = Math.max(0, limit - totalHits);
    if (isBlocked) {
      this.setHeaders(reply, limit, 0, timeToExpire);
      throw new RateLimited(timeToExpire);
    }
    if (reply[HEADERS_SET] === undefined || remaining < reply[HEADERS_SET]) this.setHeaders(reply, limit, remaining, timeToExpire);
    return true;
  }

  private setHeaders(reply: ThrottledReply, limit: number, remaining: number, resetSeconds: number) {
    reply[HEADERS_SET] = remaining;
    void reply.header('x-ratelimit-limit', String(limit));
    void reply.header('x-ratelimit-remaining', String(remaining));
    void reply.header('x-ratelimit-reset', String(resetSeconds));
  }
}

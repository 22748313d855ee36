import { type CallHandler, type ExecutionContext, Injectable, Module, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { defer, finalize, type Observable } from 'rxjs';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/config.module.js';
import type { AuthUser } from '../auth/auth-user.js';
import { RateLimited } from '../errors/app.exception.js';

const HEAVY = Symbol('heavy-request');

/**
 * A route whose work grows with the data (search, sync, history, uploads): each user may have at most
 * `HEAVY_REQUESTS_PER_USER` of them in flight at once, on each instance. Without it, one account's 25
 * slow searches held the whole database pool and other users got 503s.
 */
export const Heavy = () => SetMetadata(HEAVY, true);

/** Over the bound: 429, like any other rate limit, to be retried after a second. */
export class TooManyHeavyRequests extends RateLimited {
  constructor(limit: number) {
    super(1);
    this.message = `Too many slow requests at once (search, sync, history, uploads): at most ${limit} in flight per user`;
  }
}

/**
 * Counts each user's heavy requests in flight, in this process: the bound is per instance (a user with
 * requests on three instances may have three times as many). A request holds its slot until its answer
 * is complete, including when the client went away meanwhile (the work goes on).
 */
@Injectable()
export class HeavyRequestLimit implements NestInterceptor {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(HEAVY, context.getHandler())) return next.handle();
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    if (!user) return next.handle();
    const limit = this.config.heavyRequestsPerUser;
    const count = this.inFlight.get(user.id) ?? 0;
    if (count >= limit) throw new TooManyHeavyRequests(limit);
    this.inFlight.set(user.id, count + 1);
    return defer(() => next.handle()).pipe(finalize(() => this.release(user.id)));
  }

  private release(userId: string) {
    const count = (this.inFlight.get(userId) ?? 1) - 1;
    if (count > 0) this.inFlight.set(userId, count);
    else this.inFlight.delete(userId);
  }
}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: HeavyRequestLimit }] })
export class HeavyRequestsModule {}

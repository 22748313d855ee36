import { type CallHandler, type ExecutionContext, Injectable, Module, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { defer, finalize, mergeMap, Observable } from 'rxjs';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/config.module.js';
import { HeavyWorkAdmission } from './heavy-work-admission.js';
import type { Admission, Release } from './admission.js';
import type { AuthUser } from '../auth/auth-user.js';
import { RateLimited } from '../errors/app.exception.js';

const HEAVY = Symbol('heavy-request');

/**
 * A route whose work grows with the data (search, sync, history, uploads): each user may have at most
 * `HEAVY_REQUESTS_PER_USER` of them in flight at once, on each instance. Without it, one account's 25
 * slow searches held the whole database pool and other users got 503s.
 */
export const Heavy = (options: HeavyOptions = {}) => SetMetadata(HEAVY, { queued: options.queued ?? true });

export interface HeavyOptions {
  /**
   * Waits for its turn among everyone's heavy work (`HeavyWorkAdmission`, part of the database pool) —
   * the default. `false` for work that spends its time elsewhere (an upload streams its body for minutes).
   */
  queued?: boolean;
}

/** Over the bound: 429, like any other rate limit, to be retried after a second. */
export class TooManyHeavyRequests extends RateLimited {
  constructor(limit: number) {
    super(1);
    this.message = `Too many slow requests at once (search, sync, history, uploads): at most ${limit} in flight per user`;
  }
}

/**
 * Counts each user's heavy requests in flight, in this process, then queues each for its turn among
 * everyone's heavy work (`HeavyWorkAdmission`, part of the database pool): the bound is per instance (a user with
 * requests on three instances may have three times as many). A request holds its slot until its answer
 * is complete, including when the client went away meanwhile (the work goes on).
 */
@Injectable()
export class HeavyRequestLimit implements NestInterceptor {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    @InjectConfig() private readonly config: AppConfig,
    private readonly admission: HeavyWorkAdmission,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const heavy = context.getType() === 'http' ? this.reflector.get<Required<HeavyOptions> | undefined>(HEAVY, context.getHandler()) : undefined;
    if (!heavy) return next.handle();
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    if (!user) return next.handle();
    const limit = this.config.heavyRequestsPerUser;
    const count = this.inFlight.get(user.id) ?? 0;
    if (count >= limit) throw new TooManyHeavyRequests(limit);
    this.inFlight.set(user.id, count + 1);
    if (!heavy.queued) return defer(() => next.handle()).pipe(finalize(() => this.release(user.id)));
    // Then its turn among every user's heavy work (HeavyWorkAdmission), holding the permit until the answer is complete.
    return admitted(this.admission).pipe(
      mergeMap((release) => next.handle().pipe(finalize(release))),
      finalize(() => this.release(user.id)),
    );
  }

  private release(userId: string) {
    const count = (this.inFlight.get(userId) ?? 1) - 1;
    if (count > 0) this.inFlight.set(userId, count);
    else this.inFlight.delete(userId);
  }
}

/** A permit of `admission`, once it is this subscriber's turn; given straight back if nobody waits for it any more. */
function admitted(admission: Admission): Observable<Release> {
  return new Observable<Release>((subscriber) => {
    let unsubscribed = false;
    admission.acquire().then(
      (release) => {
        if (unsubscribed) return release();
        subscriber.next(release);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      unsubscribed = true;
    };
  });
}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: HeavyRequestLimit }] })
export class HeavyRequestsModule {}

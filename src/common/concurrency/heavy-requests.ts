import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Global,
  Injectable,
  Module,
  type NestInterceptor,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
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
export const Heavy = (options: HeavyOptions = {}) =>
  // On these routes only (a global interceptor would wrap every request of the API in an RxJS chain), and
  // before the route's other interceptors: an upload counts while its file streams.
  applyDecorators(SetMetadata(HEAVY, { queued: options.queued ?? true }), interceptedFirstBy(HeavyRequestLimit));

/** Puts `interceptor` ahead of the route's other interceptors, whichever order the decorators are written in. */
function interceptedFirstBy(interceptor: Type<NestInterceptor>): MethodDecorator {
  return (_target, _key, descriptor) => {
    const others = (Reflect.getMetadata(INTERCEPTORS_METADATA, descriptor.value as object) ?? []) as unknown[];
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...others], descriptor.value as object);
    return descriptor;
  };
}

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
 * Each user's heavy requests in flight on this instance: one count across every `@Heavy()` route (Nest
 * makes an interceptor per module that uses it; they all share this).
 */
@Injectable()
export class HeavyRequestCounts {
  private readonly inFlight = new Map<string, number>();

  /** Counts one more for `userId` unless it has `limit` in flight already. */
  take(userId: string, limit: number): boolean {
    const count = this.inFlight.get(userId) ?? 0;
    if (count >= limit) return false;
    this.inFlight.set(userId, count + 1);
    return true;
  }

  release(userId: string): void {
    const count = (this.inFlight.get(userId) ?? 1) - 1;
    if (count > 0) this.inFlight.set(userId, count);
    else this.inFlight.delete(userId);
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
  constructor(
    private readonly reflector: Reflector,
    @InjectConfig() private readonly config: AppConfig,
    private readonly admission: HeavyWorkAdmission,
    private readonly counts: HeavyRequestCounts,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const heavy = context.getType() === 'http' ? this.reflector.get<Required<HeavyOptions> | undefined>(HEAVY, context.getHandler()) : undefined;
    if (!heavy) return next.handle();
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    if (!user) return next.handle();
    const limit = this.config.heavyRequestsPerUser;
    if (!this.counts.take(user.id, limit)) throw new TooManyHeavyRequests(limit);
    if (!heavy.queued) return defer(() => next.handle()).pipe(finalize(() => this.counts.release(user.id)));
    // Then its turn among every user's heavy work (HeavyWorkAdmission), holding the permit until the answer is complete.
    return admitted(this.admission).pipe(
      mergeMap((release) => next.handle().pipe(finalize(release))),
      finalize(() => this.counts.release(user.id)),
    );
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

@Global()
@Module({ providers: [HeavyRequestCounts], exports: [HeavyRequestCounts] })
export class HeavyRequestsModule {}

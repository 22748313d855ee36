import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/config.module.js';
import { SharedState } from '../../shared-state/shared-state.js';
import { RateLimited } from '../errors/app.exception.js';
import { RATE_LIMITS, type RateLimit } from './rate-limits.js';
import { TokenBucket } from './token-bucket.js';

/** Where a subject stands in a limit's window after a hit. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** The one way to count against a limit of the registry (rate-limits.ts). */
@Injectable()
export class RateLimits {
  constructor(
    private readonly state: SharedState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Counts one hit of `subject` against `limit`; over the budget, `RateLimited` with the seconds to wait. */
  async consume(limit: RateLimit, subject: string): Promise<RateLimitState> {
    const state = await this.count(limit, subject);
    if (state.remaining < 0) throw new RateLimited(state.resetSeconds);
    return state;
  }

  /** Counts one hit and answers where it stands (`remaining` below 0: over), without refusing. */
  async count(limit: RateLimit, subject: string): Promise<RateLimitState> {
    const spec = RATE_LIMITS[limit];
    if (!spec.key) throw new Error(`${limit} is kept in process: use bucket()`);
    const budget = spec.budget(this.config);
    const { count, resetSeconds } = await this.state.hit(`${spec.key}:${subject}`, spec.windowSeconds);
    return { limit: budget, remaining: budget - count, resetSeconds };
  }

  /** 429 while `subject` is over `limit` from earlier hits, without counting one. */
  async assertUnder(limit: RateLimit, subject: string): Promise<void> {
    const spec = RATE_LIMITS[limit];
    const key = `${spec.key}:${subject}:blocked-until`;
    const until = Number(await this.state.get(key));
    if (until > Date.now()) throw new RateLimited(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
  }

  /** Counts a hit; once over the budget, blocks the subject for the rest of the window (see `assertUnder`). */
  async consumeOrBlock(limit: RateLimit, subject: string): Promise<void> {
    const spec = RATE_LIMITS[limit];
    const { remaining, resetSeconds } = await this.count(limit, subject);
    if (remaining <= 0) await this.state.set(`${spec.key}:${subject}:blocked-until`, String(Date.now() + resetSeconds * 1000), resetSeconds);
  }

  /** Forgets the subject's count (e.g. failures, after a success). */
  async reset(limit: RateLimit, subject: string): Promise<void> {
    await this.state.delete(`${RATE_LIMITS[limit].key}:${subject}`);
  }

  /** A limit kept in the process: a token bucket for one subject (a socket). */
  bucket(limit: RateLimit): TokenBucket {
    const spec = RATE_LIMITS[limit];
    const budget = spec.budget(this.config);
    return new TokenBucket(budget, budget / spec.windowSeconds);
  }
}

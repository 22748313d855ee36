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
    if (!spec.key || spec.windowSeconds === null) throw new Error(`${limit} is not a shared windowed limit`);
    const budget = spec.budget(this.config);
    const { count, resetSeconds } = await this.state.hit(`${spec.key}:${subject}`, spec.windowSeconds);
    return { limit: budget, remaining: budget - count, resetSeconds };
  }

  /** 429 while `subject` is blocked under `limit` (see `block`), without counting a hit. */
  async assertUnder(limit: RateLimit, subject: string, now = Date.now()): Promise<void> {
    const until = Number(await this.state.get(this.blockKey(limit, subject)));
    if (until > now) throw new RateLimited(Math.max(1, Math.ceil((until - now) / 1000)));
  }

  /** Blocks `subject` under `limit` for `ms` from `now` (a longer block already there stays). */
  async block(limit: RateLimit, subject: string, ms: number, now = Date.now()): Promise<void> {
    const key = this.blockKey(limit, subject);
    const until = now + ms;
    if (Number(await this.state.get(key)) >= until) return;
    await this.state.set(key, String(until), Math.max(1, Math.ceil(ms / 1000)));
  }

  /** Forgets the subject's count and any block (e.g. failures, after a success). */
  async reset(limit: RateLimit, subject: string): Promise<void> {
    await this.state.delete(`${RATE_LIMITS[limit].key}:${subject}`);
    await this.state.delete(this.blockKey(limit, subject));
  }

  /**
   * A cap on things that exist at once (`windowSeconds: null`), across instances: takes a slot named
   * `member` in `subject`'s set for `ttlSeconds` (renew it with `renewSlot` before then; a crashed
   * instance's slots expire by themselves). False, and nothing held, when the cap is reached.
   */
  async takeSlot(limit: RateLimit, subject: string, member: string, ttlSeconds: number): Promise<boolean> {
    const key = this.slotKey(limit, subject);
    const held = await this.state.addExpiring(key, member, ttlSeconds);
    if (held <= RATE_LIMITS[limit].budget(this.config)) return true;
    await this.state.removeExpiring(key, member);
    return false;
  }

  async renewSlot(limit: RateLimit, subject: string, member: string, ttlSeconds: number): Promise<void> {
    await this.state.addExpiring(this.slotKey(limit, subject), member, ttlSeconds);
  }

  async releaseSlot(limit: RateLimit, subject: string, member: string): Promise<void> {
    await this.state.removeExpiring(this.slotKey(limit, subject), member);
  }

  /** A limit's budget from the configuration (a cap's size). */
  budget(limit: RateLimit): number {
    return RATE_LIMITS[limit].budget(this.config);
  }

  /** A limit kept in the process: a token bucket for one subject (a socket). */
  bucket(limit: RateLimit): TokenBucket {
    const spec = RATE_LIMITS[limit];
    const budget = spec.budget(this.config);
    if (spec.windowSeconds === null) throw new Error(`${limit} is a cap, not a rate`);
    return new TokenBucket(budget, budget / spec.windowSeconds);
  }

  private blockKey(limit: RateLimit, subject: string): string {
    return `${RATE_LIMITS[limit].key}:${subject}:blocked-until`;
  }

  private slotKey(limit: RateLimit, subject: string): string {
    const spec = RATE_LIMITS[limit];
    if (!spec.key || spec.windowSeconds !== null) throw new Error(`${limit} is not a shared cap`);
    return `${spec.key}:${subject}`;
  }
}

import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { SharedState } from '../../shared-state/shared-state.js';

/** Throttler counters in the shared state, so every instance counts the same requests. */
@Injectable()
export class SharedThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly state: SharedState) {}

  async increment(key: string, ttlMs: number, limit: number) {
    const { count, resetSeconds } = await this.state.hit(`throttle:${key}`, Math.ceil(ttlMs / 1000));
    return { totalHits: count, timeToExpire: resetSeconds, isBlocked: count > limit, timeToBlockExpire: resetSeconds };
  }
}

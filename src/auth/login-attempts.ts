import { Injectable } from '@nestjs/common';
import { RateLimited } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { SharedState } from '../shared-state/shared-state.js';

const WINDOW_SECONDS = 15 * 60;

const failuresKey = (email: string) => `login-failures:${email}`;
const lockKey = (email: string) => `login-locked:${email}`;

/**
 * Failed password checks per account (`LOGIN_MAX_FAILURES` per 15 minutes), shared by every instance.
 * Counted for unknown emails too, so the answer never tells whether an account exists.
 */
@Injectable()
export class LoginAttempts {
  constructor(
    private readonly state: SharedState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** 429 while the account is locked out. */
  async assertAllowed(email: string): Promise<void> {
    const lockedUntil = Number(await this.state.get(lockKey(email)));
    if (lockedUntil > Date.now()) throw new RateLimited(Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000)));
  }

  async recordFailure(email: string): Promise<void> {
    const { count, resetSeconds } = await this.state.hit(failuresKey(email), WINDOW_SECONDS);
    if (count >= this.config.throttle.loginMaxFailures) {
      await this.state.set(lockKey(email), String(Date.now() + resetSeconds * 1000), resetSeconds);
    }
  }

  async reset(email: string): Promise<void> {
    await this.state.delete(failuresKey(email));
  }
}

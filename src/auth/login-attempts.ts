import { Injectable } from '@nestjs/common';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';

/**
 * Failed password checks per account: the `login-failures` limit of the registry
 * (src/common/rate-limits), `LOGIN_MAX_FAILURES` per 15 minutes, shared by every instance. Counted for
 * unknown emails too, so the answer never tells whether an account exists.
 */
@Injectable()
export class LoginAttempts {
  constructor(private readonly rateLimits: RateLimits) {}

  /** 429 while the account is locked out. */
  assertAllowed(email: string): Promise<void> {
    return this.rateLimits.assertUnder(RateLimit.LoginFailures, email);
  }

  recordFailure(email: string): Promise<void> {
    return this.rateLimits.consumeOrBlock(RateLimit.LoginFailures, email);
  }

  reset(email: string): Promise<void> {
    return this.rateLimits.reset(RateLimit.LoginFailures, email);
  }
}

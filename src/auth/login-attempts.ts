import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { RATE_LIMITS, RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { SharedState } from '../shared-state/shared-state.js';
import { loginDelayMs } from './login-delays.js';

/** How long an address that signed in to an account stays known to it (keeps its free failures under attack). */
const KNOWN_ADDRESS_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Failed password checks, counted per account *and* address (`login-failures` of the registry,
 * src/common/rate-limits), shared by every instance. An address that fails `LOGIN_MAX_FAILURES` times in
 * 15 minutes waits before its next attempt, longer after each further failure (`loginDelayMs`), but only
 * that address: a stranger guessing can't lock the owner out, and no wait lasts. Across every address
 * (`login-failures-account`) the account only slows: past `LOGIN_ACCOUNT_MAX_FAILURES`, addresses that
 * never signed in to it wait from their first failure, while the ones that did keep their free failures.
 * Counted for unknown emails too, so the answer never tells whether an account exists.
 */
@Injectable()
export class LoginAttempts {
  constructor(
    private readonly rateLimits: RateLimits,
    private readonly state: SharedState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** 429 with the seconds left while this address must wait before trying this account again. */
  assertAllowed(email: string, address: string): Promise<void> {
    return this.rateLimits.assertUnder(RateLimit.LoginFailures, subject(email, address));
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const own = await this.rateLimits.count(RateLimit.LoginFailures, subject(email, address));
    const account = await this.rateLimits.count(RateLimit.LoginFailuresAccount, email);
    const underAttack = account.remaining < 0 && !(await this.state.get(knownKey(email, address)));
    const { loginDelayBaseMs: baseMs, loginDelayMaxMs: maxMs } = this.config.throttle;
    const delay = loginDelayMs(own.limit - own.remaining, { free: underAttack ? 1 : own.limit, baseMs, maxMs });
    if (delay > 0) await this.rateLimits.block(RateLimit.LoginFailures, subject(email, address), delay);
  }

  /** The right password from this address: its failures are forgotten, and it is known to the account. */
  async succeeded(email: string, address: string): Promise<void> {
    await this.rateLimits.reset(RateLimit.LoginFailures, subject(email, address));
    await this.state.set(knownKey(email, address), '1', KNOWN_ADDRESS_TTL_SECONDS);
  }
}

/** A space is in neither an email nor an address. */
const subject = (email: string, address: string) => `${email} ${address}`;
const knownKey = (email: string, address: string) => `${RATE_LIMITS['login-failures'].key}-known:${subject(email, address)}`;

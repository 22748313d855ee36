/**
 * A token bucket in this process, for limits of one subject that lives on one instance (a socket's
 * `socket-events`): nothing needs sharing. Made by `RateLimits.bucket`.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes one token; answers the seconds to wait when there is none. */
  take(now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs / 1000) * this.perSecond);
    this.refilledAt = Math.max(this.refilledAt, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond)) };
  }
}

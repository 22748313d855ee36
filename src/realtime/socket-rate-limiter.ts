/**
 * A token bucket per socket, in this process: a socket lives on one instance, so nothing needs sharing.
 * It smooths floods of any client event (known or not) before they cost a database or Redis round trip;
 * the per-user limits that REST shares (MESSAGE_RATE_LIMIT, TYPING_RATE_LIMIT) are checked on top.
 */
export class SocketRateLimiter {
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

/** Per socket: bursts of 30 events, 30 a second sustained. */
export const SOCKET_EVENT_BURST = 30;
export const SOCKET_EVENTS_PER_SECOND = 30;

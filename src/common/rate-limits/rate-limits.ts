import type { AppConfig } from '../../config/app-config.js';

/**
 * Every rate limit of the app, in one table. `RateLimits.consume(limit, subject)` counts and refuses;
 * the README's limits table is generated from this one (a unit test keeps it in step). Checks run in the
 * same order everywhere: authentication, then access (src/access), then the budget — so a stranger or a
 * refused request never spends anyone's budget, and a budget never hides a 404.
 */
export const RateLimit = {
  Requests: 'requests',
  Credentials: 'credentials',
  LoginFailures: 'login-failures',
  Messages: 'messages',
  Typing: 'typing',
  SocketEvents: 'socket-events',
  Reports: 'reports',
} as const;

export type RateLimit = (typeof RateLimit)[keyof typeof RateLimit];

export interface RateLimitSpec {
  /**
   * The shared-state key prefix (the subject follows it: `<key>:<subject>`), counted by every instance
   * together; null for a limit kept in the process (a socket lives on one instance).
   */
  key: string | null;
  /** A fixed window that starts with its first hit; for a token bucket, the time to refill it. */
  windowSeconds: number;
  /** The budget per window (from the configuration). */
  budget: (config: AppConfig) => number;
  /** The variable that sets the budget, if one does. */
  env: string | null;
  /** Whose budget it is. */
  per: string;
  /** What counts against it. */
  counts: string;
  /** How going over it is answered. */
  answer: string;
}

export const RATE_LIMITS: Record<RateLimit, RateLimitSpec> = {
  requests: {
    key: 'rate:requests',
    windowSeconds: 60,
    budget: (config) => config.throttle.limit,
    env: 'THROTTLE_LIMIT',
    per: 'signed-in user, else IP',
    counts: 'every HTTP request (health checks excepted)',
    answer: '429 `RATE_LIMITED` with `retry-after`; `x-ratelimit-*` headers on every answer',
  },
  credentials: {
    key: 'rate:credentials',
    windowSeconds: 60,
    budget: (config) => config.throttle.authLimit,
    env: 'AUTH_THROTTLE_LIMIT',
    per: 'IP',
    counts: 'signup, login, refresh and password change, together',
    answer: '429 `RATE_LIMITED` with `retry-after`; the headers show whichever limit is closer to running out',
  },
  'login-failures': {
    key: 'rate:login-failures',
    windowSeconds: 15 * 60,
    budget: (config) => config.throttle.loginMaxFailures,
    env: 'LOGIN_MAX_FAILURES',
    per: 'account (email, known or not)',
    counts: 'failed password checks (login, password change)',
    answer: '429 `RATE_LIMITED` with `retry-after` until the window ends',
  },
  messages: {
    key: 'rate:messages',
    windowSeconds: 10,
    budget: (config) => config.throttle.messageLimit,
    env: 'MESSAGE_RATE_LIMIT',
    per: 'user, REST and sockets together',
    counts: 'sends (idempotent retries too)',
    answer: '429 `RATE_LIMITED` with `retry-after`; socket ack `RATE_LIMITED` with `retryAfter`',
  },
  typing: {
    key: 'rate:typing',
    windowSeconds: 10,
    budget: (config) => config.throttle.typingLimit,
    env: 'TYPING_RATE_LIMIT',
    per: 'user',
    counts: '`typing.start` and `typing.stop`',
    answer: 'socket ack `RATE_LIMITED` with `retryAfter`',
  },
  'socket-events': {
    key: null,
    windowSeconds: 1,
    budget: () => 30,
    env: null,
    per: 'socket (token bucket: bursts of 30, 30 a second sustained)',
    counts: 'every client event, known or not, before anything else',
    answer: 'socket ack `RATE_LIMITED` with `retryAfter`',
  },
  reports: {
    key: 'rate:reports',
    windowSeconds: 60 * 60,
    budget: () => 30,
    env: null,
    per: 'user',
    counts: 'reports accepted by access (a report of something one cannot see costs nothing)',
    answer: '429 `RATE_LIMITED` with `retry-after`',
  },
};

/** The README's limits table, generated from the registry. */
export function rateLimitTable(): string {
  const rows = Object.entries(RATE_LIMITS).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.env ? `\`${spec.env}\`` : 'fixed'} | ${spec.windowSeconds >= 60 ? `${spec.windowSeconds / 60} min` : `${spec.windowSeconds} s`} | ${spec.per} | ${spec.counts} | ${spec.key ? `\`${spec.key}:<subject>\`` : 'in process'} | ${spec.answer} |`,
  );
  return ['| limit | budget | window | per | counts | key | over it |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

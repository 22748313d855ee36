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
  LoginFailuresAccount: 'login-failures-account',
  Messages: 'messages',
  Typing: 'typing',
  SocketEvents: 'socket-events',
  Handshakes: 'handshakes',
  UserHandshakes: 'user-handshakes',
  SocketsPerUser: 'sockets-per-user',
  MembershipChanges: 'membership-changes',
  ReactionsPerMessage: 'reactions-per-message',
  Presence: 'presence',
  Reports: 'reports',
} as const;

export type RateLimit = (typeof RateLimit)[keyof typeof RateLimit];

export interface RateLimitSpec {
  /**
   * The shared-state key prefix (the subject follows it: `<key>:<subject>`), counted by every instance
   * together; null for a limit kept in the process (a socket lives on one instance).
   */
  key: string | null;
  /** Where a limit without a shared-state counter is kept, for the table (`in process` when unset). */
  keptIn?: string;
  /**
   * A fixed window that starts with its first hit; for a token bucket, the time to refill it; null for a
   * cap (a bound on how many exist at once, not on how many per window).
   */
  windowSeconds: number | null;
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
    per: 'API key, else signed-in user, else IP',
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
    per: 'account (email, known or not) and address',
    counts: 'failed password checks (login, password change) from that address',
    answer:
      'from that address only, never a lock on the account: after the last free failure the next attempt waits `LOGIN_DELAY_BASE` (1 s), doubled after each further failure up to `LOGIN_DELAY_MAX` (15 min); an attempt inside the wait is 429 `RATE_LIMITED` with `retry-after` and checks no password; a success resets it',
  },
  'login-failures-account': {
    key: 'rate:login-failures-account',
    windowSeconds: 15 * 60,
    budget: (config) => config.throttle.loginAccountMaxFailures,
    env: 'LOGIN_ACCOUNT_MAX_FAILURES',
    per: 'account, every address together',
    counts: 'the same failures',
    answer:
      'slows, never locks: while over it, an address that has not signed in to the account successfully (in 30 days) gets the waits from its first failure; addresses that have keep their `LOGIN_MAX_FAILURES` free ones',
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
  handshakes: {
    key: 'rate:handshakes',
    windowSeconds: 60,
    budget: (config) => config.throttle.handshakesPerAddress,
    env: 'HANDSHAKE_RATE_LIMIT',
    per: 'client address (`TRUST_PROXY` applies)',
    counts: 'Socket.IO handshakes, before the token is checked',
    answer: '`connect_error` with `message` `RATE_LIMITED` and `data: { code, message, retryAfter }`',
  },
  'user-handshakes': {
    key: 'rate:user-handshakes',
    windowSeconds: 60,
    budget: (config) => config.throttle.handshakesPerUser,
    env: 'HANDSHAKE_USER_RATE_LIMIT',
    per: 'user',
    counts: 'Socket.IO handshakes with a valid token',
    answer: '`connect_error` with `message` `RATE_LIMITED` and `data: { code, message, retryAfter }`',
  },
  'sockets-per-user': {
    key: 'sockets',
    windowSeconds: null,
    budget: (config) => config.caps.socketsPerUser,
    env: 'SOCKETS_PER_USER',
    per: 'user, every instance together',
    counts: 'sockets connected at once (an instance that dies takes its own with it within a minute)',
    answer: '`connect_error` with `message` `SOCKET_LIMIT` and `data: { code, message }`: close another socket first',
  },
  'membership-changes': {
    key: 'rate:membership-changes',
    windowSeconds: 60,
    budget: (config) => config.throttle.membershipChangeLimit,
    env: 'MEMBERSHIP_CHANGE_LIMIT',
    per: 'acting user',
    counts: "adding members (one per request), changing a member's role, removing someone else (leaving is never limited)",
    answer: '429 `RATE_LIMITED` with `retry-after`',
  },
  'reactions-per-message': {
    key: null,
    keptIn: 'the database',
    windowSeconds: null,
    budget: (config) => config.caps.reactionsPerMessage,
    env: 'REACTIONS_PER_MESSAGE',
    per: 'message',
    counts: 'distinct emoji (more people with an emoji already there are always welcome)',
    answer: '409 `REACTION_LIMIT`',
  },
  presence: {
    key: 'rate:presence',
    windowSeconds: 60,
    budget: (config) => config.throttle.presenceEventLimit,
    env: 'PRESENCE_EVENT_LIMIT',
    per: 'user whose presence changes',
    counts: '`presence` announcements (an offline only after `PRESENCE_OFFLINE_GRACE` without a socket, so a reconnect inside it is none)',
    answer: 'not announced; the latest state is announced once when the window ends',
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

/** The table's text for a window. */
function windowText(seconds: number | null): string {
  if (seconds === null) return 'at once (a cap)';
  return seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
}

/** The README's limits table, generated from the registry. */
export function rateLimitTable(): string {
  const rows = Object.entries(RATE_LIMITS).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.env ? `\`${spec.env}\`` : 'fixed'} | ${windowText(spec.windowSeconds)} | ${spec.per} | ${spec.counts} | ${spec.key ? `\`${spec.key}:<subject>\`` : (spec.keptIn ?? 'in process')} | ${spec.answer} |`,
  );
  return ['| limit | budget | window | per | counts | key | over it |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

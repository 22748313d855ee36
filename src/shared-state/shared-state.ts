/**
 * State that every instance of the server must see alike: rate-limit counters, presence, revoked
 * sessions, and signals between instances. Redis when `REDIS_URL` is set, process memory otherwise;
 * features depend on this class and never on which one it is.
 */
export abstract class SharedState {
  /** Whether other instances see this state (Redis) or only this process does (memory). */
  abstract readonly spansInstances: boolean;
  /** Counts one hit in a fixed window; the window starts with the first hit. */
  abstract hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }>;
  abstract get(key: string): Promise<string | null>;
  abstract set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
  /** Adds `delta` to an integer counter and returns the new value. */
  abstract incrementBy(key: string, delta: number): Promise<number>;
  abstract publish(channel: string, message: string): Promise<void>;
  abstract subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /**
   * Expiring sets: every member has its own expiry, so an entry written by an instance that crashed
   * disappears by itself. Adds (or renews) `member` for `ttlSeconds` and answers how many live members
   * the set has afterwards, atomically: of two instances adding at once, exactly one sees 1.
   */
  abstract addExpiring(key: string, member: string, ttlSeconds: number): Promise<number>;
  /** Removes `member` and answers how many live members remain, atomically. */
  abstract removeExpiring(key: string, member: string): Promise<number>;
  /** How many live members the set has. */
  abstract countExpiring(key: string): Promise<number>;
  /** Resolves when the backing store answers; rejects with DependencyUnavailableError otherwise. */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}

/** A backing service (database, Redis) does not answer: callers get 503, never a crash. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: 'database' | 'redis',
    cause?: unknown,
  ) {
    super(`${dependency} is unavailable`, { cause });
    this.name = 'DependencyUnavailableError';
  }
}

/** The limiter's queue is full: the caller should back off rather than wait. */
export class ConcurrencyLimitExceeded extends Error {
  constructor() {
    super('Too many operations are waiting');
    this.name = 'ConcurrencyLimitExceeded';
  }
}

/**
 * A counting semaphore: at most `maxConcurrent` tasks run at once, the others wait in arrival order.
 * Password hashing runs on libuv's small thread pool; letting every login hash at once would queue
 * everything else that needs those threads behind them.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxConcurrent: number,
    /** How many tasks may wait before `run` refuses new ones. */
    readonly maxQueued = Infinity,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError('maxConcurrent must be a positive integer');
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new ConcurrencyLimitExceeded());
    // The slot is handed over by `release`, so `running` stays counted for the next task.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

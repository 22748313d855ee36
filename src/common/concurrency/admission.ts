import { DependencyUnavailableError } from '../../shared-state/shared-state.js';

/** Gives back an admission's permit; calling it again does nothing. */
export type Release = () => void;

/**
 * A first-come-first-served limit on how many pieces of work hold a scarce resource at once, with a bound
 * on how long one waits: past `maxWaitMs` in the queue it fails with a 503 (`DependencyUnavailableError`)
 * rather than wait without end.
 */
export class Admission {
  private inUse = 0;
  private readonly queue: Array<{ admit: () => void }> = [];

  constructor(
    readonly permits: number,
    private readonly maxWaitMs: number,
    private readonly dependency: 'database' | 'redis' = 'database',
  ) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError(`permits must be a positive integer, not ${permits}`);
  }

  /** Work waiting for a permit. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a release once a permit is free. */
  acquire(): Promise<Release> {
    if (this.inUse < this.permits) {
      this.inUse += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          resolve(this.releaser());
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(entry), 1);
        reject(new DependencyUnavailableError(this.dependency, new Error(`no permit within ${this.maxWaitMs} ms`)));
      }, this.maxWaitMs);
      timer.unref?.();
      this.queue.push(entry);
    });
  }

  /** Runs `work` under a permit. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The permit passes straight to the next in line, so a newcomer can't overtake the queue.
      const next = this.queue.shift();
      if (next) next.admit();
      else this.inUse -= 1;
    };
  }
}

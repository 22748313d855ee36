/**
 * One holder at a time for a named critical section — across the tabs of a browser profile when the Web
 * Locks API is there (`navigator.locks`), within this process otherwise (Node, old browsers).
 */
export interface Lock {
  /** Runs `task` as the one holder of `name`; `task` learns whether it had to wait for another holder. */
  run<T>(name: string, task: (waited: boolean) => Promise<T>): Promise<T>;
}

interface WebLocks {
  request<T>(name: string, callback: (lock: unknown) => Promise<T>): Promise<T>;
  request<T>(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** A lock within this JavaScript realm: tasks of one name run one after the other. */
export class InProcessLock implements Lock {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(name: string, task: (waited: boolean) => Promise<T>): Promise<T> {
    const previous = this.tails.get(name);
    const start = () => task(previous !== undefined);
    const next = (previous ?? Promise.resolve()).then(start, start);
    const tail = next.catch(() => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return next;
  }
}

/** `navigator.locks` where it exists (every tab of the origin shares it), else an {@link InProcessLock}. */
export function defaultLock(): Lock {
  const locks = (globalThis as { navigator?: { locks?: WebLocks } }).navigator?.locks;
  if (locks && typeof locks.request === 'function') {
    // Try without waiting first: a null lock means another tab holds it, and the task then waits its turn.
    return { run: (name, task) => locks.request(name, { ifAvailable: true }, (held) => (held ? task(false) : locks.request(name, () => task(true)))) };
  }
  return new InProcessLock();
}

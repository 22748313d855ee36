import { ConcurrencyLimiter, ConcurrencyLimitExceeded } from '../../src/auth/concurrency-limiter.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('runs at most maxConcurrent tasks at once and queues the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, index) =>
      limiter.run(async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 2]);

    gates[1].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect([limiter.active, limiter.queued]).toEqual([2, 1]);

    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.active).toBe(0);
  });

  it('refuses new tasks once the queue is full, without running them', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const gate = deferred();
    const running = limiter.run(() => gate.promise);
    const queued = limiter.run(async () => 'queued');
    let ran = false;
    await expect(
      limiter.run(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(ConcurrencyLimitExceeded);
    expect(ran).toBe(false);
    gate.resolve();
    await running;
    await expect(queued).resolves.toBe('queued');
  });

  it('rejects a limit below one', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});

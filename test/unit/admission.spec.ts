import { jest } from '@jest/globals';
import { Admission } from '../../src/common/concurrency/admission.js';
import { heavyWorkPermits } from '../../src/common/concurrency/heavy-work-admission.js';
import { DependencyUnavailableError } from '../../src/shared-state/shared-state.js';

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('Admission: at most n at once, first come first served, a bounded wait', () => {
  it('admits up to its permits at once and the next in line when one is given back', async () => {
    const admission = new Admission(2, 60_000);
    const first = await admission.acquire();
    await admission.acquire();
    const order: string[] = [];
    const third = admission.acquire().then((release) => (order.push('third'), release));
    const fourth = admission.acquire().then((release) => (order.push('fourth'), release));
    await settled();
    expect(order).toEqual([]);
    expect(admission.waiting).toBe(2);
    first();
    first(); // a second call gives back nothing more
    await settled();
    expect(order).toEqual(['third']);
    (await third)();
    await settled();
    expect(order).toEqual(['third', 'fourth']);
    (await fourth)();
    expect(admission.waiting).toBe(0);
  });

  it('does not let a newcomer overtake the queue when a permit is given back', async () => {
    const admission = new Admission(1, 60_000);
    const holder = await admission.acquire();
    const order: string[] = [];
    const queued = admission.acquire().then((release) => {
      order.push('queued');
      release();
    });
    holder();
    const newcomer = admission.acquire().then((release) => {
      order.push('newcomer');
      release();
    });
    await Promise.all([queued, newcomer]);
    expect(order).toEqual(['queued', 'newcomer']);
  });

  it('answers DependencyUnavailableError (503) past its wait bound, and leaves the queue', async () => {
    jest.useFakeTimers();
    try {
      const admission = new Admission(1, 1_000);
      await admission.acquire();
      const waiting = admission.acquire();
      jest.advanceTimersByTime(1_001);
      await expect(waiting).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(admission.waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives the permit back when the work throws', async () => {
    const admission = new Admission(1, 60_000);
    await expect(admission.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await admission.run(() => Promise.resolve('next'))).toBe('next');
  });

  it('refuses a permit count that is not a positive integer', () => {
    expect(() => new Admission(0, 1_000)).toThrow(RangeError);
    expect(() => new Admission(1.5, 1_000)).toThrow(RangeError);
  });
});

describe('heavyWorkPermits: part of the pool, always leaving some for short requests', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [5, 4],
    [10, 7],
    [20, 14],
  ])('a pool of %i gives heavy work %i', (pool, permits) => {
    expect(heavyWorkPermits(pool)).toBe(permits);
  });
});

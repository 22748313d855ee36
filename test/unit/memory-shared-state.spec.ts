import { jest } from '@jest/globals';
import { MemorySharedState } from '../../src/shared-state/memory-shared-state.js';

describe('MemorySharedState', () => {
  let state: MemorySharedState;

  beforeEach(() => {
    state = new MemorySharedState();
  });

  afterEach(async () => {
    await state.close();
  });

  it('counts hits in a fixed window and reports when it resets', async () => {
    expect(await state.hit('k', 60)).toEqual({ count: 1, resetSeconds: 60 });
    expect((await state.hit('k', 60)).count).toBe(2);
  });

  it('starts a new window once the old one has expired', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      await state.hit('k', 1);
      jest.advanceTimersByTime(1001);
      expect((await state.hit('k', 1)).count).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a member renewed past the earliest expiry, and drops each member at its own', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      await state.addExpiring('set', 'a', 1);
      await state.addExpiring('set', 'b', 5);
      await state.addExpiring('set', 'c', 3);
      expect(await state.addExpiring('set', 'a', 10)).toBe(3);
      jest.advanceTimersByTime(2_000);
      expect(await state.countExpiring('set')).toBe(3);
      jest.advanceTimersByTime(1_500);
      expect(await state.countExpiring('set')).toBe(2);
      jest.advanceTimersByTime(2_000);
      expect(await state.countExpiring('set')).toBe(1);
      expect(await state.addExpiring('set', 'd', 1)).toBe(2);
      jest.advanceTimersByTime(1_500);
      expect(await state.countExpiring('set')).toBe(1);
      jest.advanceTimersByTime(5_000);
      expect(await state.countExpiring('set')).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('expires values set with a ttl', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      await state.set('a', '1', 2);
      expect(await state.get('a')).toBe('1');
      jest.advanceTimersByTime(2001);
      expect(await state.get('a')).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  it('adds to counters and delivers published messages to subscribers', async () => {
    expect(await state.incrementBy('c', 2)).toBe(2);
    expect(await state.incrementBy('c', -1)).toBe(1);
    const received = new Promise<string>((resolve) => void state.subscribe('ch', resolve));
    await state.publish('ch', 'hello');
    await expect(received).resolves.toBe('hello');
  });
});

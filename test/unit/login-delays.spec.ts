import { loginDelayMs } from '../../src/auth/login-delays.js';

describe('loginDelayMs (the wait after failed password checks from one address)', () => {
  const schedule = { free: 10, baseMs: 1_000, maxMs: 15 * 60_000 };

  it('costs nothing before the last free failure', () => {
    for (let failures = 0; failures < 10; failures++) expect(loginDelayMs(failures, schedule)).toBe(0);
  });

  it('waits 1 s after the last free failure, then doubles after each further one', () => {
    expect([10, 11, 12, 13, 14].map((failures) => loginDelayMs(failures, schedule))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('never waits longer than the cap, however many failures (no lock lasts)', () => {
    expect(loginDelayMs(20, schedule)).toBe(15 * 60_000);
    expect(loginDelayMs(10_000, schedule)).toBe(15 * 60_000);
    expect(Number.isFinite(loginDelayMs(Number.MAX_SAFE_INTEGER, schedule))).toBe(true);
  });

  it('with no free failures (an unknown address while the account is over its bound) waits from the first one', () => {
    expect([1, 2, 3].map((failures) => loginDelayMs(failures, { ...schedule, free: 1 }))).toEqual([1_000, 2_000, 4_000]);
    expect(loginDelayMs(1, { ...schedule, free: 0 })).toBe(1_000);
  });

  it('follows a configured base and cap (tests run it in milliseconds)', () => {
    expect([3, 4, 5, 6].map((failures) => loginDelayMs(failures, { free: 3, baseMs: 20, maxMs: 50 }))).toEqual([20, 40, 50, 50]);
  });
});

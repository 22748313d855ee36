/**
 * How long an address must wait after a failed password check, from how many failures it has made in the
 * window. `free` failures cost nothing; the one that uses up the last of them, and every one after it, sets
 * a wait before the next attempt: `baseMs`, doubled each time, never more than `maxMs`. The owner on
 * another address is never affected, and a wait always ends.
 */
export function loginDelayMs(failures: number, schedule: { free: number; baseMs: number; maxMs: number }): number {
  const free = Math.max(1, schedule.free);
  if (failures < free) return 0;
  // 2^40 ms is 35 years: past any cap, and still an exact number.
  return Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(failures - free, 40));
}

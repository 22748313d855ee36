import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 whose ids only grow within this process: milliseconds, then a 12-bit counter for ids of the
 * same millisecond (borrowing the next millisecond when it runs out), then random bits. The database
 * compares UUIDs byte by byte, so jobs created in one transaction with these ids run in creation order.
 */
export function orderedJobId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    sequence++;
    if (sequence > 0xfff) {
      ms++;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const random = randomBytes(8);
  random[0] = (random[0] & 0x3f) | 0x80;
  const hex = ms.toString(16).padStart(12, '0') + '7' + sequence.toString(16).padStart(3, '0') + random.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

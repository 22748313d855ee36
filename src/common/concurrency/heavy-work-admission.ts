import { Admission } from './admission.js';

/** How long heavy work may wait for its turn before it is answered 503 (the statement timeout's order). */
const MAX_WAIT_MS = 10_000;

/**
 * Heavy work — the `@Heavy()` routes (history, search, `/sync`; not uploads, which stream their
 * bodies meanwhile) and socket handshakes' membership reads — may hold only part of the database pool at once; the rest stays free for sends, reads of one row
 * and the other short requests. Without it, a reconnect storm (every socket's handshake, then its `/sync`)
 * took the whole pool and other users' sends waited seconds for a connection (bench scenario 11).
 */
export class HeavyWorkAdmission extends Admission {
  constructor(poolSize: number) {
    super(heavyWorkPermits(poolSize), MAX_WAIT_MS);
  }
}

/** Of a pool of n: n − max(1, ⌊0.3 n⌋) permits, at least one (10 → 7, 5 → 4, 2 → 1, 1 → 1). */
export function heavyWorkPermits(poolSize: number): number {
  return Math.max(1, poolSize - Math.max(1, Math.floor(poolSize * 0.3)));
}

import { EventEmitter } from 'node:events';
import { SharedState } from './shared-state.js';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 30_000;

/**
 * Members with an expiry each. Expired members are dropped only once the earliest expiry has passed (one
 * pass, which finds the next earliest): counting after every add was a pass over the whole set, so a
 * presence heartbeat over 10,000 users, or a storm of 10,000 handshakes, cost 10,000² steps.
 */
class ExpiringSet {
  /**
   * Most sets hold one member — a user's one socket slot, the one instance a user is present on — so the
   * first member is kept inline and a Map is made only for a second: ~150 B fewer per idle user.
   */
  private only: string | undefined;
  private onlyExpiresAt = 0;
  private members: Map<string, number> | undefined;
  /** No member expires before this (ms); members renewed since may expire later. */
  private earliest = Infinity;

  add(member: string, expiresAt: number): void {
    if (this.members) this.members.set(member, expiresAt);
    else if (this.only === undefined || this.only === member) {
      this.only = member;
      this.onlyExpiresAt = expiresAt;
    } else {
      this.members = new Map([
        [this.only, this.onlyExpiresAt],
        [member, expiresAt],
      ]);
      this.only = undefined;
    }
    if (expiresAt < this.earliest) this.earliest = expiresAt;
  }

  remove(member: string): void {
    if (this.members) this.members.delete(member);
    else if (this.only === member) this.only = undefined;
  }

  /** How many have not expired at `now`. */
  count(now: number): number {
    if (now >= this.earliest) this.prune(now);
    return this.members ? this.members.size : this.only === undefined ? 0 : 1;
  }

  private prune(now: number): void {
    if (!this.members) {
      if (this.only !== undefined && this.onlyExpiresAt <= now) this.only = undefined;
      this.earliest = this.only === undefined ? Infinity : this.onlyExpiresAt;
      return;
    }
    let earliest = Infinity;
    for (const [member, expiresAt] of this.members) {
      if (expiresAt <= now) this.members.delete(member);
      else if (expiresAt < earliest) earliest = expiresAt;
    }
    this.earliest = earliest;
  }
}

/** One instance only: everything lives in this process and expires on a timer, so memory stays bounded. */
export class MemorySharedState extends SharedState {
  readonly spansInstances = false;
  private readonly entries = new Map<string, Entry>();
  private readonly sets = new Map<string, ExpiringSet>();
  private readonly channels = new EventEmitter().setMaxListeners(0);
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  async hit(key: string, windowSeconds: number) {
    const now = Date.now();
    let entry = this.live(key, now);
    if (!entry) {
      entry = { value: '0', expiresAt: now + windowSeconds * 1000 };
      this.entries.set(key, entry);
    }
    entry.value = String(Number(entry.value) + 1);
    return { count: Number(entry.value), resetSeconds: Math.max(1, Math.ceil((entry.expiresAt - now) / 1000)) };
  }

  async get(key: string) {
    return this.live(key, Date.now())?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    this.entries.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : Infinity });
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async incrementBy(key: string, delta: number) {
    const entry = this.live(key, Date.now()) ?? { value: '0', expiresAt: Infinity };
    entry.value = String(Number(entry.value) + delta);
    this.entries.set(key, entry);
    return Number(entry.value);
  }

  async addExpiring(key: string, member: string, ttlSeconds: number) {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new ExpiringSet()));
    set.add(member, Date.now() + ttlSeconds * 1000);
    return this.liveCount(key);
  }

  async removeExpiring(key: string, member: string) {
    this.sets.get(key)?.remove(member);
    return this.liveCount(key);
  }

  async countExpiring(key: string) {
    return this.liveCount(key);
  }

  async publish(channel: string, message: string) {
    // Delivered on a later tick, like a message that went through Redis.
    setImmediate(() => this.channels.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    this.channels.on(channel, handler);
  }

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
    this.channels.removeAllListeners();
    this.entries.clear();
    this.sets.clear();
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private liveCount(key: string): number {
    const set = this.sets.get(key);
    if (!set) return 0;
    const count = set.count(Date.now());
    if (!count) this.sets.delete(key);
    return count;
  }

  private sweep() {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const key of this.sets.keys()) this.liveCount(key);
  }
}

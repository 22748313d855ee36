import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { ServiceUnavailable } from '../common/errors/app.exception.js';
import { ConcurrencyLimiter, ConcurrencyLimitExceeded } from './concurrency-limiter.js';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes that may run at once: leave libuv's thread pool (4 by default) room for other work. */
export function hashingConcurrency(threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4, cpus = availableParallelism()): number {
  return Math.max(1, Math.min(threadPoolSize - 2, cpus - 1));
}

const MAX_QUEUED_HASHES = 500;

/** Niceness of libuv's worker threads, where the hashes run (the event loop stays at 0). */
const THREAD_POOL_NICENESS = 10;

/**
 * Linux: lowers the priority of libuv's worker threads (the process's threads named `libuv-worker`), so
 * on a busy CPU a login flood's hashes take the time the event loop leaves idle instead of half of it:
 * on one core, message sends during a flood then answer about as fast as without it, at the same hashes
 * per second (bench scenario 8, docs/BENCHMARKS.md). Elsewhere, or where not permitted, nothing changes.
 */
export function deprioritizeThreadPool(): void {
  if (process.platform !== 'linux') return;
  try {
    for (const thread of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${thread}/comm`, 'utf8').trim() === 'libuv-worker') setPriority(Number(thread), THREAD_POOL_NICENESS);
    }
  } catch {
    // No procfs or not permitted: the threads keep the process's priority.
  }
}

/**
 * argon2id hashing behind a small semaphore. `verifyOrDummy` checks a password against nothing in the
 * same time it takes against a real hash, so a login can't tell whether an email is registered.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly limiter = new ConcurrencyLimiter(hashingConcurrency(), MAX_QUEUED_HASHES);
  private dummyHash: string;

  async onModuleInit() {
    // The first hash starts libuv's thread pool, so its threads exist to be deprioritized.
    this.dummyHash = await this.hash(randomBytes(16).toString('base64url'));
    deprioritizeThreadPool();
  }

  hash(password: string): Promise<string> {
    return this.limited(() => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** `hash` null: the account doesn't exist; the work is done anyway and the answer is false. */
  async verifyOrDummy(hash: string | null, password: string): Promise<boolean> {
    const matches = await this.limited(() => argon2.verify(hash ?? this.dummyHash, password));
    return hash !== null && matches;
  }

  /** True when the hash was made with weaker parameters than today's, so it should be replaced. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(task);
    } catch (error) {
      if (error instanceof ConcurrencyLimitExceeded) throw new ServiceUnavailable('Too many sign-ins at once, try again shortly');
      throw error;
    }
  }
}

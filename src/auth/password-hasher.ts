import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
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

/**
 * argon2id hashing behind a small semaphore. `verifyOrDummy` checks a password against nothing in the
 * same time it takes against a real hash, so a login can't tell whether an email is registered.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly limiter = new ConcurrencyLimiter(hashingConcurrency(), MAX_QUEUED_HASHES);
  private dummyHash: string;

  async onModuleInit() {
    this.dummyHash = await this.hash(randomBytes(16).toString('base64url'));
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

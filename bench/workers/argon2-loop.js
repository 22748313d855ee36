// Baseline for the login flood: argon2.verify in a loop at the server's parameters, with as many
// verifications at once as the server allows (src/auth/password-hasher.ts hashingConcurrency, computed
// the same way for the core this process is pinned to). Prints { hashes, seconds } as JSON.
//
//   node bench/workers/argon2-loop.js <seconds>
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';

const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const seconds = Number(process.argv[2] ?? 5);
const threadPool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const concurrency = Math.max(1, Math.min(threadPool - 2, availableParallelism() - 1));

const hash = await argon2.hash('bench-password-1', ARGON2_OPTIONS);
for (let warm = 0; warm < 3; warm++) await argon2.verify(hash, 'bench-password-1');

let hashes = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      await argon2.verify(hash, 'bench-password-1');
      hashes++;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ hashes, seconds: (performance.now() - started) / 1000, concurrency })}\n`);

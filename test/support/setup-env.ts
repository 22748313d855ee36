// Suites must not inherit a developer's shell settings that change behaviour.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';

// Suites run in parallel Jest workers; each worker has a database of its own (global-setup.ts) and, when
// the run has Redis, a Redis database number of its own (the URL's, plus the worker's index), so two
// suites running at once never see each other's rows, keys or pub/sub messages.
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
process.env.TEST_DATABASE_URL = process.env[`TEST_DATABASE_URL_${worker}`] ?? process.env.TEST_DATABASE_URL;
if (process.env.REDIS_URL && worker > 1) {
  const redis = new URL(process.env.REDIS_URL);
  const base = Number(redis.pathname.slice(1) || '0');
  redis.pathname = `/${base + worker - 1}`;
  process.env.REDIS_URL = redis.toString();
}

// CommonJS packages (@nestjs/throttler, @willsoto/nestjs-prometheus, …) require() the ES-module NestJS
// packages. Jest evaluates such CommonJS modules while it is still linking a suite's import graph, when
// the NestJS modules are linked but not yet evaluated, and refuses that as a require cycle. Loading
// NestJS here first, before any suite, makes those require() calls find finished modules.
await import('reflect-metadata');
await import('@nestjs/common');
await import('@nestjs/core');

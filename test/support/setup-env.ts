// Suites must not inherit a developer's shell settings that change behaviour.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';

// CommonJS packages (@nestjs/throttler, @willsoto/nestjs-prometheus, …) require() the ES-module NestJS
// packages. Jest evaluates such CommonJS modules while it is still linking a suite's import graph, when
// the NestJS modules are linked but not yet evaluated, and refuses that as a require cycle. Loading
// NestJS here first, before any suite, makes those require() calls find finished modules.
await import('reflect-metadata');
await import('@nestjs/common');
await import('@nestjs/core');

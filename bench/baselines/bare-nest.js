// Baseline for scenario 1's floor: NestJS on its Fastify adapter with one controller and nothing else —
// no global guards, interceptors, pipes, filters or hooks of ours. Candidate ÷ this is what our own code
// costs per request; this ÷ raw Fastify is what Nest's request pipeline costs, which no app on it escapes.
//
//   node bench/baselines/bare-nest.js   (PORT)
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

// Plain JavaScript, so the decorators are applied by hand, exactly as TypeScript's emit would.
class HealthController {
  live() {
    return { status: 'ok' };
  }
}
Get('live')(HealthController.prototype, 'live', Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'));
Controller('health')(HealthController);

class BareModule {}
Module({ controllers: [HealthController] })(BareModule);

const app = await NestFactory.create(BareModule, new FastifyAdapter({ logger: false }), { logger: false });
await app.listen(Number(process.env.PORT), '127.0.0.1');

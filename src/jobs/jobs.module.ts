import { Global, Module } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { JOBS_QUEUED, jobRunMetrics } from './jobs.metrics.js';
import { Jobs } from './jobs.service.js';

/** Read on every scrape; a scrape while the database is away keeps the last counts. */
const queuedGauge = makeGaugeProvider({
  name: JOBS_QUEUED,
  help: 'Jobs by job name and state (ready, deferred, active, dead), as the queue upkeep of any instance last counted them',
  labelNames: ['name', 'state'],
  inject: [Jobs],
  async collect(this: Gauge<string>, jobs: Jobs) {
    const depths = await jobs.depths().catch(() => undefined);
    if (!depths) return;
    this.reset();
    for (const { name, ...states } of depths) {
      for (const [state, count] of Object.entries(states)) this.set({ name, state }, count);
    }
  },
});

/** The one job queue of the application: `Jobs` everywhere, no import needed. */
@Global()
@Module({
  providers: [Jobs, ...jobRunMetrics, queuedGauge],
  exports: [Jobs],
})
export class JobsModule {}

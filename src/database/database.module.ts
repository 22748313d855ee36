import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';
import type { ResolvedDatabase } from './database-connection.js';
import { HeavyWorkAdmission } from '../common/concurrency/heavy-work-admission.js';

/**
 * A connection of its own for the event log's sequencer (not yet opened: its first use does). On the
 * shared pool its short transaction queued behind the sends that produce the events — at saturation
 * most of the time between a commit and the event's emit (bench scenario 10: 220–470 ms of waiting for a
 * batch whose SQL takes ~27 ms).
 */
export const SEQUENCER_DATA_SOURCE = Symbol('SEQUENCER_DATA_SOURCE');

@Module({})
export class DatabaseModule {
  /** Migrations have run before this (`createApp` runs them under a lock, see run-migrations.ts). */
  static register(database: ResolvedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: database.url, poolSize: database.poolSize, timeouts: database.timeouts }),
          retryAttempts: 5,
          retryDelay: 1_000,
        }),
      ],
      providers: [
        {
          provide: SEQUENCER_DATA_SOURCE,
          useFactory: () =>
            new DataSource({ ...dataSourceOptions({ url: database.url, poolSize: 1, timeouts: database.timeouts }), entities: [], migrations: [] }),
        },
        { provide: HeavyWorkAdmission, useFactory: () => new HeavyWorkAdmission(database.poolSize) },
      ],
      exports: [SEQUENCER_DATA_SOURCE, HeavyWorkAdmission],
    };
  }
}

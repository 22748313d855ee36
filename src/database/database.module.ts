import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options.js';
import type { ResolvedDatabase } from './database-connection.js';

@Module({})
export class DatabaseModule {
  /** Migrations have run before this (`createApp` runs them under a lock, see run-migrations.ts). */
  static register(database: ResolvedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: database.url, poolSize: database.poolSize, timeouts: database.timeouts }),
          retryAttempts: 5,
          retryDelay: 1_000,
        }),
      ],
    };
  }
}

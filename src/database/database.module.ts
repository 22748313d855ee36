import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options.js';
import type { ResolvedDatabase } from './database-connection.js';

@Module({})
export class DatabaseModule {
  /** Pending migrations run before the app serves anything, on the embedded and the real server alike. */
  static register(database: ResolvedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: database.url, poolSize: database.poolSize, timeouts: database.timeouts }),
          migrationsRun: true,
          retryAttempts: 5,
          retryDelay: 1_000,
        }),
      ],
    };
  }
}

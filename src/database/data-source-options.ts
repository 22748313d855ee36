import type { EventEmitter } from 'node:events';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { entities } from '../entities.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/**
 * pg hands a new connection to TypeORM one tick before TypeORM listens for its errors. A server-side error
 * arriving in that gap (a backend terminated right after it started: failover, `pg_terminate_backend`)
 * would be an 'error' event with no listener, which kills the process. This listener closes the gap; the
 * error still fails that connection's queries (503), and the pool drops the connection when it comes back.
 */
function keepConnectionErrorsFromCrashing(client: EventEmitter): void {
  client.on('error', () => {});
}

export interface DatabaseConnection {
  url: string;
  poolSize: number;
}

/**
 * The one description of the database that the app, the migration scripts and the tests share.
 * Entities and migrations are listed explicitly rather than globbed: the app is an ES module, and an
 * explicit list works the same under `node`, `tsc` output and Jest.
 */
export function dataSourceOptions({ url, poolSize }: DatabaseConnection): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: {
      max: poolSize,
      // Fail fast when the database is gone, so callers get a 503 instead of a hanging request.
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 15_000,
      keepAlive: true,
      onConnect: keepConnectionErrorsFromCrashing,
    },
  };
}

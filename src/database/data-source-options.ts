import type { EventEmitter } from 'node:events';
import type { DataSourceOptions, MigrationInterface, QueryRunner } from 'typeorm';
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
  /** Server-side bounds of every pooled connection (ms); none for the migration scripts. */
  timeouts?: { statementMs: number; idleInTransactionMs: number };
}

/** How much longer than a statement may run the driver waits for its answer (a hung server, not a slow query). */
const DRIVER_WAIT_BEYOND_STATEMENT_MS = 5_000;

/**
 * A migration run by the app at start-up, on the app's own pool, without its statement timeouts: a
 * migration may rightly take longer than any request's statement (an index on a big table). Each
 * migration runs in its own transaction (`migrationsTransactionMode: 'each'`), which `SET LOCAL` lasts.
 */
function withoutTimeouts(migration: Function): Function {
  const Migration = migration as new () => MigrationInterface;
  const lift = (queryRunner: QueryRunner) => queryRunner.query('SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0');
  return class extends Migration {
    override async up(queryRunner: QueryRunner) {
      await lift(queryRunner);
      return super.up(queryRunner);
    }

    override async down(queryRunner: QueryRunner) {
      await lift(queryRunner);
      return super.down(queryRunner);
    }
  };
}

/**
 * The one description of the database that the app, the migration scripts and the tests share.
 * Entities and migrations are listed explicitly rather than globbed: the app is an ES module, and an
 * explicit list works the same under `node`, `tsc` output and Jest.
 */
export function dataSourceOptions({ url, poolSize, timeouts }: DatabaseConnection): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: timeouts ? migrations.map(withoutTimeouts) : migrations,
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
      query_timeout: (timeouts?.statementMs ?? 10_000) + DRIVER_WAIT_BEYOND_STATEMENT_MS,
      // Sent with each connection's start-up; PostgreSQL cancels a statement (57014) or ends a session
      // idle inside a transaction past them. (The embedded PGlite accepts and ignores both: it has no
      // timer interrupts. There, a statement's cost is bounded by the queries themselves.)
      ...(timeouts ? { statement_timeout: timeouts.statementMs, idle_in_transaction_session_timeout: timeouts.idleInTransactionMs } : {}),
      keepAlive: true,
      onConnect: keepConnectionErrorsFromCrashing,
    },
  };
}

import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

/**
 * The PostgreSQL advisory lock every instance takes around its migrations (an arbitrary constant: the
 * bytes of "chatmigr"). Instances starting together on one database — a deploy, `--scale app=2` — run
 * the migrations one after the other: the first applies them, the others find nothing pending.
 */
export const MIGRATION_LOCK_KEY = 0x636861746d696772n;
const CONNECT_ATTEMPTS = 5;
const CONNECT_RETRY_MS = 1_000;

export interface MigrationLog {
  info(message: string): void;
}

async function connectWithRetries(url: string): Promise<pg.Client> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    // A server-side error while we wait on the lock must not be an unhandled 'error' event.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
}

/**
 * Applies pending migrations, each in its own transaction, holding the migration lock throughout (a
 * session lock on a connection of its own, so the migrations' transactions don't release it). Answers the
 * names of the migrations it applied.
 */
export async function runMigrations(url: string, log: MigrationLog): Promise<string[]> {
  const lock = await connectWithRetries(url);
  const key = MIGRATION_LOCK_KEY.toString();
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (!rows[0].locked) {
      log.info('another instance is running the migrations: waiting for it to finish');
      await lock.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    }
    const dataSource = new DataSource(dataSourceOptions({ url, poolSize: 1 }));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    // Ending the session would release it too, but the embedded database has one session for all.
    await lock.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
    await lock.end().catch(() => {});
  }
}

import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** Where the database is, and how to let go of it when the process stops. */
export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  poolSize: number;
  timeouts: { statementMs: number; idleInTransactionMs: number };
  release(): Promise<void>;
}

/** `DATABASE_URL` when set; otherwise an embedded PostgreSQL on `DATA_DIR`. */
export async function resolveDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  const poolSize = config.databasePoolSize;
  const timeouts = { statementMs: config.databaseStatementTimeoutMs, idleInTransactionMs: config.databaseIdleInTransactionTimeoutMs };
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, poolSize, timeouts, release: async () => {} };
  // The embedded server runs one query at a time, so a big pool would only queue.
  const embeddedPool = Math.min(poolSize, 5);
  const embedded = await startEmbeddedPostgres(config.dataDir);
  return { url: embedded.url, embedded: true, poolSize: embeddedPool, timeouts, release: () => embedded.stop() };
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { lockDataDir } from './data-dir-lock.js';
import { PGliteWireServer } from './pglite-wire-server.js';

/** A PostgreSQL the app reaches through the ordinary `pg` driver, with no server installed. */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) on `dataDir` and serves it over the Postgres wire
 * protocol on 127.0.0.1 at a free port. A lock file keeps a second process off the same files, which
 * PGlite itself would not do.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const directory = resolve(dataDir, 'pg');
  mkdirSync(directory, { recursive: true });
  const releaseLock = lockDataDir(join(resolve(dataDir), 'pg.lock'));
  try {
    const db = await PGlite.create({ dataDir: directory, extensions: { pg_trgm, pgcrypto } });
    const server = new PGliteWireServer(db);
    const port = await server.listen();
    return {
      url: `postgresql://postgres:${server.password}@127.0.0.1:${port}/postgres`,
      async stop() {
        await server.close();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * One fresh database for the whole test run; every suite's app points at it through TEST_DATABASE_URL
 * and the first app to boot applies the migrations. Jest loads this file with Node's own type stripping,
 * outside ts-jest, so it imports packages only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

declare global {
  var dropTestDatabase: (() => Promise<void>) | undefined;
}

export default async function globalSetup() {
  const serverUrl = process.env.DATABASE_URL;
  const { url, drop } = serverUrl ? await createOnServer(serverUrl) : await createEmbedded();
  process.env.TEST_DATABASE_URL = url;
  globalThis.dropTestDatabase = drop;
}

/** CI and developers with a server: a uniquely named database on it, dropped at the end. */
async function createOnServer(serverUrl: string) {
  const name = `chat_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function runOnServer(serverUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** No server: an embedded PostgreSQL in a temporary directory, the same kind the app starts itself. */
async function createEmbedded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-db-'));
  const db = await PGlite.create({ dataDir, extensions: { pg_trgm, pgcrypto } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    async drop() {
      await server.stop();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One fresh database for the whole test run; every suite's app points at it through TEST_DATABASE_URL
 * and the first app to boot applies the migrations. Jest loads this file with Node's own type stripping,
 * outside ts-jest, so it imports no TypeScript sources.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

declare global {
  var dropTestDatabase: (() => Promise<void>) | undefined;
}

export default async function globalSetup() {
  // The e2e and service projects share it: the first to start makes the database, the other reuses it.
  if (globalThis.dropTestDatabase) return;
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

/**
 * No server: an embedded PostgreSQL in a temporary directory, started by the app's own code as built
 * by `npm run build` (which `npm test` runs first): Jest loads this file outside ts-jest.
 */
async function createEmbedded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-db-'));
  const compiled = new URL('../../dist/src/database/embedded-postgres.js', import.meta.url).href;
  const { startEmbeddedPostgres } = await import(compiled);
  const embedded: { url: string; stop(): Promise<void> } = await startEmbeddedPostgres(dataDir);
  return {
    url: embedded.url,
    async drop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

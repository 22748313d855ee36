/**
 * One fresh database per Jest worker for the whole test run: suites in one worker run one after another
 * on that worker's database (`TEST_DATABASE_URL_<worker>`, which setup-env.ts turns into the suite's
 * TEST_DATABASE_URL), so no two suites ever share a database at the same time, and the first app to boot
 * on each applies the migrations. Jest loads this file with Node's own type stripping, outside ts-jest,
 * so it imports no TypeScript sources.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

declare global {
  var dropTestDatabase: (() => Promise<void>) | undefined;
}

export default async function globalSetup(globalConfig: { maxWorkers: number }) {
  // The e2e and service projects share them: the first to start makes the databases, the other reuses them.
  if (globalThis.dropTestDatabase) return;
  const serverUrl = process.env.DATABASE_URL;
  const workers = Math.max(1, globalConfig.maxWorkers);
  const databases = await Promise.all(Array.from({ length: workers }, () => (serverUrl ? createOnServer(serverUrl) : createEmbedded())));
  databases.forEach(({ url }, index) => (process.env[`TEST_DATABASE_URL_${index + 1}`] = url));
  process.env.TEST_DATABASE_URL = databases[0].url;
  globalThis.dropTestDatabase = async () => {
    await Promise.all(databases.map(({ drop }) => drop()));
  };
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
 * No server: an embedded PostgreSQL in a temporary directory, each in a child process of its own
 * (embedded-postgres-child.mjs), so that two workers' databases run on two cores.
 */
async function createEmbedded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-db-'));
  const child = spawn(process.execPath, [fileURLToPath(new URL('./embedded-postgres-child.mjs', import.meta.url)), dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exitedEarly = once(child, 'exit').then(([code]) => {
    throw new Error(`the embedded PostgreSQL for the tests exited (code ${String(code)}) before it listened: is dist/ built?`);
  });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), exitedEarly])) as [string];
  exitedEarly.catch(() => undefined);
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    async drop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

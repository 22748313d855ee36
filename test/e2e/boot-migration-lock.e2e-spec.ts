import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { MIGRATION_LOCK_KEY } from '../../src/database/run-migrations.js';
import { eventually, freePort } from '../support/faults/ports.js';
import { type ServerProcess, startServerProcess } from '../support/faults/server-process.js';
import { spawnTied } from '../support/faults/tied-process.js';
import { postgresBinDir, ThrowawayPostgres } from '../support/faults/throwaway-postgres.js';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist/src/main.js');

/**
 * A PostgreSQL server to make fresh databases on: the run's own (DATABASE_URL) when it has one, else a
 * throwaway cluster of this machine's PostgreSQL binaries.
 */
const serverUrl = process.env.DATABASE_URL;
const canRun = Boolean(serverUrl || postgresBinDir());

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Each test boots fresh databases, which takes a while on a busy machine. */
const BOOT_TEST_TIMEOUT_MS = 240_000;

(canRun ? describe : describe.skip)('migrations at boot, on one fresh database', () => {
  let cluster: ThrowawayPostgres | undefined;
  let adminUrl: string;
  const created: string[] = [];
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    if (!serverUrl) cluster = await ThrowawayPostgres.create();
    adminUrl = serverUrl ?? cluster!.url;
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.destroy();
  });

  afterAll(async () => {
    for (const name of created) await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cluster?.destroy();
  });

  async function freshDatabase(): Promise<string> {
    const name = `chat_boot_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await query(adminUrl, `CREATE DATABASE ${name}`);
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  const appliedMigrations = (url: string) =>
    query<{ name: string; times: number }>(url, 'SELECT name, count(*)::int AS times FROM migrations GROUP BY name ORDER BY name');

  it(
    'lets two servers started together both come up, with each migration applied once',
    async () => {
      const url = await freshDatabase();
      const both = await Promise.allSettled([startServerProcess({ DATABASE_URL: url }), startServerProcess({ DATABASE_URL: url })]);
      for (const outcome of both) if (outcome.status === 'fulfilled') servers.push(outcome.value);
      expect(both.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'ready'))).toEqual(['ready', 'ready']);

      const applied = await appliedMigrations(url);
      expect(applied).toHaveLength(migrations.length);
      expect(applied.every((row) => row.times === 1)).toBe(true);
      // One of them applied the migrations; the other found none pending.
      const appliers = servers.filter((server) => server.output().includes('"msg":"applied migrations"'));
      expect(appliers).toHaveLength(1);
      for (const server of servers) expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'makes a server wait while another holds the migration lock, then migrate and serve',
    async () => {
      const url = await freshDatabase();
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
        const port = await freePort();
        const { REDIS_URL: _redis, TEST_DATABASE_URL: _test, ...inherited } = process.env;
        const child = spawnTied(process.execPath, [MAIN], {
          env: {
            ...inherited,
            NODE_ENV: 'test',
            PORT: String(port),
            HOST: '127.0.0.1',
            LOG_LEVEL: 'info',
            DATABASE_URL: url,
            JWT_SECRET: 'boot-secret-that-is-long-enough-for-hs256-0123456789',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout!.on('data', (chunk) => (output += chunk));
        child.stderr!.on('data', (chunk) => (output += chunk));
        try {
          await eventually(async () => (output.includes('another instance is running the migrations: waiting for it to finish') ? true : undefined), {
            timeoutMs: 30_000,
            what: `the server waiting for the lock\n${output}`,
          });
          // Waiting, it has created nothing.
          expect(await query(url, `SELECT to_regclass('migrations') AS table`)).toEqual([{ table: null }]);

          await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
          await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : undefined), {
            timeoutMs: 30_000,
            what: `the server ready\n${output}`,
          });
          expect(await appliedMigrations(url)).toHaveLength(migrations.length);
        } finally {
          child.kill('SIGKILL');
        }
      } finally {
        await holder.end();
      }
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});

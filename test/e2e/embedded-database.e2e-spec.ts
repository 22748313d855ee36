import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteWireServer } from '../../src/database/pglite-wire-server.js';
import { spawnTied } from '../support/faults/tied-process.js';

/** A start-up message (protocol 3.0) for `user`. */
function startupMessage(user: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from(`user\0${user}\0database\0postgres\0\0`)]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([length, body]);
}

function frontendMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** Everything the server sends on a raw connection that says `messages`, until it closes it. */
async function rawExchange(port: number, messages: Buffer[]): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (chunk) => received.push(chunk));
  for (const message of messages) socket.write(message);
  await once(socket, 'close');
  return Buffer.concat(received);
}

/** The type bytes of the backend messages in `bytes`. */
function messageTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at + 5 <= bytes.length; at += 1 + bytes.readInt32BE(at + 1)) types.push(String.fromCharCode(bytes[at]));
  return types;
}

/*
 * The wire server the embedded database is served through (src/database/embedded-postgres.ts gives the
 * app its URL, password included), here on an in-memory PGlite: a fresh data directory takes PGlite a
 * minute on a busy machine, and the files don't matter to authentication.
 */
describe('the embedded database server', () => {
  let db: PGlite;
  let server: PGliteWireServer;
  let port: number;
  const embedded = { url: '' };

  beforeAll(async () => {
    db = await PGlite.create();
    server = new PGliteWireServer(db);
    port = await server.listen();
    embedded.url = `postgresql://postgres:${server.password}@127.0.0.1:${port}/postgres`;
  }, 180_000);

  afterAll(async () => {
    await server.close();
    await db.close();
  });

  const withPassword = (password: string | null) => {
    const url = new URL(embedded.url);
    url.password = password ?? '';
    return url.toString();
  };

  it('has a random password, and serves the pool that knows it', async () => {
    expect(server.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new PGliteWireServer(db).password).not.toBe(server.password);
    const pool = new pg.Pool({ connectionString: embedded.url, max: 5 });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => pool.query('SELECT $1::int AS n', [n])));
      expect(answers.map((answer) => answer.rows[0].n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    } finally {
      await pool.end();
    }
  });

  it('keeps each connection’s prepared statements its own, as sessions of PostgreSQL do, and closes them when it goes', async () => {
    const [ada, bob] = [new pg.Client(embedded.url), new pg.Client(embedded.url)];
    await Promise.all([ada.connect(), bob.connect()]);
    try {
      // The same name with different texts, interleaved: one backend underneath, yet no "already exists".
      for (let round = 0; round < 3; round++) {
        const [mine, theirs] = await Promise.all([
          ada.query({ name: 'shared_name', text: 'SELECT $1::int + 1 AS n', values: [round] }),
          bob.query({ name: 'shared_name', text: "SELECT $1::text || '!' AS n", values: [String(round)] }),
        ]);
        expect([mine.rows[0].n, theirs.rows[0].n]).toEqual([round + 1, `${round}!`]);
      }
      const names = async () => (await ada.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((row) => String(row.name));
      expect((await names()).filter((name) => name.endsWith('/shared_name'))).toHaveLength(2);
      await bob.end();
      for (let tries = 0; tries < 50 && (await names()).filter((name) => name.endsWith('/shared_name')).length > 1; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await names()).filter((name) => name.endsWith('/shared_name'))).toHaveLength(1);
    } finally {
      await ada.end();
      await bob.end().catch(() => undefined);
    }
  });

  it.each([
    ['a wrong password', 'not-the-password'],
    ['the password of another start', 'A'.repeat(32)],
  ])('refuses %s with 28P01', async (_what, password) => {
    const client = new pg.Client({ connectionString: withPassword(password), password });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('refuses a client that has no password (the driver gives up when asked for one)', async () => {
    const client = new pg.Client({ connectionString: withPassword(null) });
    await expect(client.connect()).rejects.toThrow(/password/);
  });

  it('runs nothing a connection sends before it authenticated', async () => {
    const query = frontendMessage('Q', Buffer.from("SELECT 'leaked' AS secret\0"));
    const answer = await rawExchange(port, [startupMessage('postgres'), query]);
    // R (asks for SCRAM-SHA-256), then E (28P01) and the connection closed: no row description, no data row.
    expect(messageTypes(answer)).toEqual(['R', 'E']);
    expect(answer.toString('latin1')).toContain('SCRAM-SHA-256');
    expect(answer.toString('latin1')).toContain('28P01');
    expect(answer.toString('latin1')).not.toContain('leaked');
  });

  it('refuses the right password sent in clear text instead of SCRAM', async () => {
    const password = new URL(embedded.url).password;
    const cleartext = frontendMessage('p', Buffer.from(`${password}\0`));
    const query = frontendMessage('Q', Buffer.from('SELECT 1\0'));
    const answer = await rawExchange(port, [startupMessage('postgres'), cleartext, query]);
    expect(messageTypes(answer)).toEqual(['R', 'E']);
  });
});

describe('production on the embedded database', () => {
  const MAIN = join(process.cwd(), 'dist/src/main.js');

  // That ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=true lets it start: app-config.spec (unit).
  it('refuses to start, saying so in one line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-embedded-production-'));
    try {
      const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, REDIS_URL: _redis, ...inherited } = process.env;
      const child = spawnTied(process.execPath, [MAIN], {
        env: { ...inherited, NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(output.trim().split('\n')).toEqual([
        expect.stringMatching(/^Invalid configuration: DATABASE_URL is required in production .*ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=true/),
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

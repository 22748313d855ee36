import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '../support/faults/ports.js';
import { spawnTied } from '../support/faults/tied-process.js';

const MAIN = join(process.cwd(), 'dist/src/main.js');
const PASSWORD = 'correct horse battery';

/** `unshare -fp`: a PID namespace of its own, where the server is PID 1 as in a container. Needs root. */
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['-fp', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

function serverEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, REDIS_URL: _redis, TEST_DATABASE_URL: _test, ...inherited } = process.env;
  return {
    ...inherited,
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MEDIA_DIR: join(dataDir, 'media'),
    LOG_LEVEL: 'info',
    JWT_SECRET: 'boot-secret-that-is-long-enough-for-hs256-0123456789',
  };
}

const lockHolder = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'pg.lock'), 'utf8')).pid as number;

async function signUp(url: string, name: string) {
  const response = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}@example.com`, username: name, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
}

async function logIn(url: string, name: string) {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}@example.com`, password: PASSWORD }),
  });
  return response.status;
}

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The built server on `dataDir`, ready. `pidOne`: as PID 1 of a PID namespace of its own, as in a
 * container (SIGKILL to the returned process then kills the server too). A fresh embedded database takes
 * a while on a busy machine, hence the long wait.
 */
async function startServer(dataDir: string, { pidOne = false } = {}): Promise<Server> {
  const port = await freePort();
  const [command, args] = pidOne ? ['unshare', ['-fp', '--mount-proc', '--kill-child=SIGKILL', process.execPath, MAIN]] : [process.execPath, [MAIN]];
  const child = spawnTied(command, args, { env: serverEnv(dataDir, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
      return (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, what: `the server ready\n${output}` },
  ).catch(async (error: Error) => {
    await kill(child);
    throw error;
  });
  return { child, url, output: () => output, exited };
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Each test boots fresh databases, which takes a while on a busy machine. */
const BOOT_TEST_TIMEOUT_MS = 240_000;

describe('the embedded database of a server process', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-boot-lock-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) await kill(child);
    rmSync(dataDir, { recursive: true, force: true });
  }, BOOT_TEST_TIMEOUT_MS);

  it(
    'refuses a second server on the same data directory with one line naming the first, until the first stops',
    async () => {
      const first = await startServer(dataDir);
      children.push(first.child);
      const second = spawn(process.execPath, [MAIN], { env: serverEnv(dataDir, await freePort()), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      second.stderr.on('data', (chunk) => (stderr += chunk));
      const [code] = (await once(second, 'exit')) as [number];
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `The embedded database in ${dataDir} is in use by process ${first.child.pid}: stop it first, or give this process another DATA_DIR (or a PostgreSQL server in DATABASE_URL).`,
      );
      expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);

      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'starts again after a SIGKILL, taking over the stale lock, with its data',
    async () => {
      const first = await startServer(dataDir);
      children.push(first.child);
      await signUp(first.url, 'before_kill');
      first.child.kill('SIGKILL');
      await first.exited;
      expect(lockHolder(dataDir)).toBe(first.child.pid);

      const second = await startServer(dataDir);
      children.push(second.child);
      expect(lockHolder(dataDir)).toBe(second.child.pid);
      expect(await logIn(second.url, 'before_kill')).toBe(200);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  (canUnshare ? it : it.skip)(
    'starts again as PID 1 after a SIGKILL as PID 1: the stale lock holds its own pid',
    async () => {
      const first = await startServer(dataDir, { pidOne: true });
      children.push(first.child);
      expect(lockHolder(dataDir)).toBe(1);
      await signUp(first.url, 'pid_one');
      await kill(first.child);
      // Left behind by the killed PID 1, naming the very pid the next one gets.
      expect(lockHolder(dataDir)).toBe(1);

      const second = await startServer(dataDir, { pidOne: true });
      children.push(second.child);
      expect(lockHolder(dataDir)).toBe(1);
      expect(await logIn(second.url, 'pid_one')).toBe(200);
      expect(second.output()).not.toContain('is in use by');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});

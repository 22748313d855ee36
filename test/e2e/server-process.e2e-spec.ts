import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist/src/main.js');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the built server the way `npm start` does, with no DATABASE_URL: the embedded database. */
async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, () => output);
  return { child, url, output: () => output };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server not ready in time:\n${output()}`);
}

async function stop(server: Server, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const exited = once(server.child, 'exit');
  server.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

describe('the built server as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-process-'));

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /health/ready on the embedded database, stops on SIGTERM with 0, and restarts on the same data', async () => {
    const first = await startServer(dataDir);
    const ready = await fetch(`${first.url}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'up', media: 'up' } });
    await fetch(`${first.url}/api/v1/users/me`, { headers: { authorization: 'Bearer do-not-log-me', 'x-request-id': 'trace-42' } });
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    const requestLine = first
      .output()
      .split('\n')
      .find((line) => line.includes('"requestId":"trace-42"'));
    expect(JSON.parse(requestLine!)).toMatchObject({ msg: 'request completed', method: 'GET', route: '/api/v1/users/me', statusCode: 401 });
    expect(JSON.parse(requestLine!).durationMs).toEqual(expect.any(Number));
    expect(first.output()).not.toContain('do-not-log-me');

    const second = await startServer(dataDir);
    expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
    expect(await stop(second, 'SIGINT')).toBe(0);
  });

  it('refuses a second process on the same data directory', async () => {
    const first = await startServer(dataDir);
    const port = await freePort();
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
    const second = spawn(process.execPath, [MAIN], { env: { ...inherited, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'error' }, stdio: 'pipe' });
    let output = '';
    second.stderr.on('data', (chunk) => (output += chunk));
    second.stdout.on('data', (chunk) => (output += chunk));
    // 'close', not 'exit': its last output may still be in the pipes when it has exited.
    const [code] = (await once(second, 'close')) as [number];
    expect(code).not.toBe(0);
    expect(output).toContain('is in use by process');
    expect(await stop(first)).toBe(0);
  });

  it('stops at start-up with one line naming a bad variable', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: 'short' }, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Invalid configuration: JWT_SECRET must be at least 32 characters long');
  });
});

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from './ports.js';
import { spawnTied } from './tied-process.js';

const MAIN = join(process.cwd(), 'dist/src/main.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGKILL if still running, and removes its data directory. For `afterAll`. */
  destroy(): Promise<void>;
}

/**
 * Starts the built server (`npm run build` first; `npm test` does) the way `npm start` does, on
 * 127.0.0.1 and a free port, and waits until `/health/ready` answers 200. No DATABASE_URL or REDIS_URL is
 * inherited from the test run: `env` says which database and Redis the process gets. Rate limits are
 * high unless `env` sets them, so a burst of test traffic only meets the limits a test asks for.
 * `main` runs another entry script instead of `dist/src/main.js` (one that wraps the built app).
 */
export async function startServerProcess(env: Record<string, string>, { main = MAIN }: { main?: string } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-faults-server-'));
  const { DATABASE_URL: _db, REDIS_URL: _redis, TEST_DATABASE_URL: _test, ...inherited } = process.env;
  const child = spawnTied(process.execPath, [main], {
    env: {
      ...inherited,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JWT_SECRET: 'faults-secret-that-is-long-enough-for-hs256-0123456789',
      THROTTLE_LIMIT: '100000',
      AUTH_THROTTLE_LIMIT: '100000',
      LOGIN_MAX_FAILURES: '1000',
      HANDSHAKE_RATE_LIMIT: '100000',
      HANDSHAKE_USER_RATE_LIMIT: '100000',
      MEMBERSHIP_CHANGE_LIMIT: '100000',
      PRESENCE_EVENT_LIMIT: '100000',
      SOCKETS_PER_USER: '1000',
      // Presence suites watch offline announcements; the grace is attacked in amplification.e2e-spec.
      PRESENCE_OFFLINE_GRACE: '0',
      MEDIA_DIR: join(dataDir, 'media'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const server: ServerProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    async destroy() {
      if (server.running()) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    const outcome = await eventually(
      async () => {
        if (!server.running()) return 'exited';
        const response = await fetch(`${server.url}/health/ready`);
        return response.status === 200 ? 'ready' : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'server ready' },
    );
    if (outcome === 'exited') throw new Error(`server exited with ${child.exitCode} before it was ready`);
  } catch (error) {
    await server.destroy();
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  return server;
}

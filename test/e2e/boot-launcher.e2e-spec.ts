import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '../support/faults/ports.js';
import { spawnTied } from '../support/faults/tied-process.js';

const ROOT = process.cwd();
const LAUNCH = join(ROOT, 'scripts/launch.cjs');
const ONE_LINE = /^[^\n]+\n$/;
/** The machine's own Node, when it is one the project does not support (Debian's 20 here). */
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  const outcome = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return outcome.status === 0 && Number(outcome.stdout.split('.')[0]) < 24;
});

async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // 'close', not 'exit': the child's output may still be in the pipes when it has exited.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

describe('scripts/launch.cjs (npm start, npm run start:prod, the Docker image)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-launch-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unsupported Node.js in one line, before loading the app', async () => {
    const preload = join(tempDir(), 'old-node.cjs');
    writeFileSync(preload, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '22.11.0' } });\n");
    const outcome = await run(process.execPath, ['--require', preload, LAUNCH]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(ONE_LINE);
    expect(outcome.stderr).toMatch(/^chat-backend needs Node\.js \^24\.9\.0 \|\| \^26\.0\.0 \(package\.json "engines"\), but this is Node\.js 22\.11\.0 /);
  });

  (systemNode ? it : it.skip)("refuses the machine's old Node.js in one line (what npm scripts run on with --ignore-scripts)", async () => {
    const outcome = await run(systemNode!, [LAUNCH]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(ONE_LINE);
    expect(outcome.stderr).toContain(`but this is Node.js `);
    expect(outcome.stderr).toContain(`(${systemNode})`);
  });

  it('refuses in one line to start a tree that was never built, when TypeScript is not installed (a production install)', async () => {
    const tree = tempDir();
    mkdirSync(join(tree, 'scripts'));
    for (const file of ['package.json', 'scripts/launch.cjs', 'scripts/check-node.cjs']) cpSync(join(ROOT, file), join(tree, file));
    const outcome = await run(process.execPath, [join(tree, 'scripts/launch.cjs'), '--build'], { cwd: tree });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(ONE_LINE);
    expect(outcome.stderr).toContain(`${join(tree, 'dist/src/main.js')} does not exist: build first`);
  });

  it('reads .env from the working directory, the environment winning over it', async () => {
    const cwd = tempDir();
    const [filePort, envPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(cwd, '.env'),
      [
        '# what a developer keeps in .env',
        `PORT=${filePort}`,
        'HOST=127.0.0.1',
        'DATA_DIR=./data',
        'CORS_ORIGINS=https://from-dotenv.example',
        'JWT_SECRET=dotenv-secret-that-is-long-enough-for-hs256-0123456789',
        'LOG_LEVEL=info',
        '',
      ].join('\n'),
    );
    const {
      DATABASE_URL: _db,
      REDIS_URL: _redis,
      TEST_DATABASE_URL: _test,
      PORT: _port,
      CORS_ORIGINS: _cors,
      HOST: _host,
      DATA_DIR: _data,
      LOG_LEVEL: _level,
      ...inherited
    } = process.env;
    const child = spawnTied(process.execPath, [LAUNCH, join(ROOT, 'dist/src/main.js')], {
      cwd,
      env: { ...inherited, NODE_ENV: 'development', PORT: String(envPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    try {
      const url = `http://127.0.0.1:${envPort}`;
      await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: `the server on the environment's PORT\n${output}`,
      });
      await expect(fetch(`http://127.0.0.1:${filePort}/health/live`)).rejects.toThrow();
      const preflight = await fetch(`${url}/api/v1/users/me`, {
        method: 'OPTIONS',
        headers: { origin: 'https://from-dotenv.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://from-dotenv.example');
      // The development secret warning is not there: JWT_SECRET came from .env.
      expect(output).not.toContain('JWT_SECRET is not set');
      expect(output).toContain(`"dataDir":"./data"`);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 180_000);
});

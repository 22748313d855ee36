import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '../support/faults/ports.js';
import { spawnTied } from '../support/faults/tied-process.js';

const ROOT = process.cwd();
/** The compiler in watch mode, a fresh embedded database and two restarts take a while on a busy machine. */
const DEV_LOOP_TIMEOUT_MS = 400_000;
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('npm run start:dev', () => {
  let project: string;
  let dev: ChildProcess | undefined;

  beforeAll(() => {
    // A copy of the project to edit, sharing node_modules.
    project = mkdtempSync(join(tmpdir(), 'chat-dev-loop-'));
    for (const path of ['src', 'migrations', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'])
      cpSync(join(ROOT, path), join(project, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      dev.kill('SIGKILL');
      await once(dev, 'exit');
    }
    rmSync(project, { recursive: true, force: true });
  });

  it(
    'starts the server with pretty logs, restarts it after each change that compiles, and keeps it up through one that does not',
    async () => {
      const port = await freePort();
      const { DATABASE_URL: _db, REDIS_URL: _redis, TEST_DATABASE_URL: _test, LOG_PRETTY: _pretty, LOG_LEVEL: _level, ...inherited } = process.env;
      dev = spawnTied(process.execPath, [join(project, 'scripts/dev.mjs')], {
        cwd: project,
        env: { ...inherited, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(project, 'data') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      dev.stdout!.on('data', (chunk) => (output += chunk));
      dev.stderr!.on('data', (chunk) => (output += chunk));
      const url = `http://127.0.0.1:${port}`;
      const listening = `listening on http://127.0.0.1:${port}`;
      const served = async (times: number) =>
        eventually(async () => (count(output, listening) >= times && (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), {
          timeoutMs: 180_000,
          intervalMs: 250,
          what: `the server started ${times} time(s)\n${output}`,
        });

      await served(1);
      expect(output).toContain('[dev] compiled: starting the server');
      // pino-pretty's lines, not JSON lines.
      expect(output).toMatch(/INFO.*listening on/);
      expect(output).not.toContain('"level":30');

      const source = join(project, 'src/health-probe.ts');
      writeFileSync(source, 'export const probe = 1;\n');
      await served(2);
      expect(output).toContain('[dev] compiled: restarting the server');

      const beforeBroken = output.length;
      appendFileSync(source, 'export const broken: number = "not a number";\n');
      await eventually(
        async () => (output.slice(beforeBroken).includes('[dev] compilation failed: the server keeps running the previous build') ? true : undefined),
        {
          timeoutMs: 120_000,
          what: `the compiler's error reported\n${output}`,
        },
      );
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect(count(output, listening)).toBe(2);

      writeFileSync(source, readFileSync(source, 'utf8').replace('export const broken: number = "not a number";\n', ''));
      await served(3);

      dev.kill('SIGINT');
      const [code] = (await once(dev, 'exit')) as [number | null];
      expect(code).toBe(0);
      await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    },
    DEV_LOOP_TIMEOUT_MS,
  );
});

/**
 * `npm run start:dev`: the TypeScript compiler in watch mode, and the server restarted after every
 * compilation without errors (never on a half-written dist/, never while the compiler reports errors: then
 * the running server stays up). Logs are pretty unless LOG_PRETTY says otherwise; `.env` is read like
 * `npm start` does. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('./check-node.cjs').requireSupportedNode();

const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(resolve('.env'))) process.loadEnvFile(resolve('.env'));
process.env.LOG_PRETTY ??= 'true';

const say = (message) => process.stdout.write(`[dev] ${message}\n`);
let server = null;
let stopping = false;

async function stopServer() {
  if (!server) return;
  const running = server;
  server = null;
  if (running.exitCode === null && running.signalCode === null) {
    running.kill('SIGTERM');
    await once(running, 'exit');
  }
}

async function restartServer(first) {
  await stopServer();
  if (stopping) return;
  say(first ? 'compiled: starting the server' : 'compiled: restarting the server');
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist/src/main.js')], { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (server === child) {
      server = null;
      say(`the server stopped (${signal ?? `exit code ${code}`}); waiting for a change`);
    }
  });
  server = child;
}

const compiler = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--watch', '--preserveWatchOutput'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  cwd: root,
});
let restarts = Promise.resolve();
let compiledOnce = false;
createInterface({ input: compiler.stdout }).on('line', (line) => {
  process.stdout.write(`[tsc] ${line}\n`);
  const found = /Found (\d+) errors?\. Watching for file changes/.exec(line);
  if (!found) return;
  if (found[1] !== '0')
    return say(server ? 'compilation failed: the server keeps running the previous build' : 'compilation failed: fix it to start the server');
  const first = !compiledOnce;
  compiledOnce = true;
  restarts = restarts.then(() => restartServer(first));
});
compiler.on('exit', (code) => {
  if (!stopping) {
    say(`the compiler exited (${code}): stopping`);
    void shutdown();
  }
});

async function shutdown() {
  if (stopping) return;
  stopping = true;
  compiler.kill('SIGTERM');
  await restarts;
  await stopServer();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

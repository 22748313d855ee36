// Shared helpers of the benchmark harness: statistics, child processes pinned to a core, waiting, logging.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const NODE = process.execPath;
export const QUICK = process.env.BENCH_QUICK === '1';
/** Core for the servers under test (candidate and baselines alike); the load generators get the other. */
export const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '0';
export const LOAD_CPU = process.env.BENCH_LOAD_CPU ?? '1';
export const LOG_DIR = join(tmpdir(), `chat-bench-logs-${process.pid}`);
mkdirSync(LOG_DIR, { recursive: true });

const started = Date.now();
export function log(message) {
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[${elapsed}s] ${message}\n`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(sortedValues, p) {
  if (!sortedValues.length) return NaN;
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)];
}

export const round = (value, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/**
 * The order of rounds: A B B A A B, so each side gets three rounds and neither always goes first or
 * last. `BENCH_ROUNDS` (default 3) sets how many each side gets.
 */
export function abbaOrder(rounds = Number(process.env.BENCH_ROUNDS) || 3) {
  const order = [];
  for (let index = 0; order.length < rounds * 2; index++) order.push(...(index % 2 ? ['B', 'A'] : ['A', 'B']));
  return order;
}

/**
 * Re-runs this script pinned to the load core (and so the load it generates, and its children), with
 * the highest file-descriptor limit allowed — 10,000 sockets need as many descriptors on each side — and
 * exits with its status; in the pinned run it returns at once.
 */
export function pinToLoadCore() {
  if (process.env.BENCH_PINNED === '1') return;
  const quoted = [NODE, ...process.argv.slice(1)].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const result = spawnSync('bash', ['-c', `ulimit -n $(ulimit -Hn) && exec taskset -c ${LOAD_CPU} ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const children = new Set();

/**
 * Starts `node <script> ...args` pinned to `cpu` with `taskset`, its output in a log file (printed when
 * it dies early). Returns the child; `stop()` ends it with SIGTERM, then SIGKILL.
 */
export function spawnPinned(name, cpu, script, args = [], { env = {}, nodeArgs = [], ipc = false } = {}) {
  const logFile = join(LOG_DIR, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn('taskset', ['-c', String(cpu), NODE, ...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.logFile = logFile;
  child.benchName = name;
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  child.stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    // A CPU profile of a long scenario takes longer than 5 s to write: killed, it would be lost.
    const timer = setTimeout(() => child.kill('SIGKILL'), process.env.BENCH_PROFILE ? 120_000 : 5000);
    await child.exited;
    clearTimeout(timer);
  };
  return child;
}

/** Ends every child this process started (on exit, including after an error). */
export async function stopAll() {
  await Promise.all([...children].map((child) => child.stop()));
}

export function tail(file, lines = 30) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Polls `url` until it answers 200; fails with the child's log tail when the child dies first. */
export async function waitForHttp(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${child.benchName} exited (${child.exitCode}) before answering:\n${tail(child.logFile)}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms${child ? `:\n${tail(child.logFile)}` : ''}`);
}

/** The resident set size of a process, in bytes (Linux). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * CPU time a process has used so far (user + system), in microseconds (Linux, from /proc/<pid>/stat at
 * the kernel's clock-tick resolution). Over a round of thousands of requests it gives the server's CPU
 * per request, which a shared machine's noise moves far less than throughput: a busy neighbour takes the
 * server's core away (fewer requests per second) without making each request cost more cycles.
 */
export function cpuMicrosOf(pid) {
  const { user, system } = cpuSplitOf(pid);
  return user + system;
}

/** `cpuMicrosOf` split into user and kernel (system) time: a socket write's loopback delivery is the kernel's. */
export function cpuSplitOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const micros = (ticks) => (Number(ticks) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  return { user: micros(fields[11]), system: micros(fields[12]) };
}
const CLOCK_TICKS_PER_SECOND = 100;

/** Runs an HTTP load (`httpLoad`'s result) and adds the server `pid`'s CPU µs per request answered. */
export async function withCpuPerRequest(pid, load) {
  const before = cpuSplitOf(pid);
  const result = await load();
  const after = cpuSplitOf(pid);
  const requests = Math.max(1, result.requests);
  const user = (after.user - before.user) / requests;
  const system = (after.system - before.system) / requests;
  return { ...result, cpuMicrosPerRequest: user + system, systemMicrosPerRequest: system };
}

/** The pid of the node process under `taskset` (taskset execs, so it is the same pid). */
export const pidOf = (child) => child.pid;

/** Calls `fn` on a fixed schedule of `ratePerSecond` for `durationMs`, catching up on missed ticks. */
export async function paced(ratePerSecond, durationMs, fn) {
  const start = performance.now();
  const total = Math.floor((ratePerSecond * durationMs) / 1000);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
    while (sent < due) fn(sent++);
    await sleep(Math.max(1, Math.min(10, 1000 / ratePerSecond)));
  }
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

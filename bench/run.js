// `npm run bench`: every scenario of docs/BENCHMARKS.md against its raw baseline, in one run, on this
// machine. Creates its own database (and a private Redis when redis-server is installed), pins the
// servers to one core and the load to the other, warms up, interleaves candidate (A) and baseline (B)
// as A B B A A B, and reports medians as candidate ÷ baseline. Results go to bench/results/<time>.json.
//
//   npm run bench                       full run (about 15 minutes)
//   BENCH_QUICK=1 npm run bench         smoke pass with short durations and smaller fleets
//   npm run bench -- --only=1,2         some scenarios only
//   DATABASE_URL=postgres://…/postgres REDIS_URL=redis://… npm run bench
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, LOAD_CPU, LOG_DIR, QUICK, ROOT, SERVER_CPU, log, pinToLoadCore, stopAll } from './lib/common.js';
import { createDatabase, databaseUrlFor, dropDatabase, Seeder } from './lib/db.js';
import { startPrivateRedis } from './lib/redis.js';
import { SCENARIOS } from './scenarios.js';
import { printTable } from './lib/report.js';
import { startApp } from './lib/servers.js';

pinToLoadCore();

const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map(Number);
const selected = SCENARIOS.filter((scenario) => !only || only.includes(scenario.id));
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_');
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = `chat_bench_${stamp.toLowerCase()}`;
const mediaDir = mkdtempSync(join(tmpdir(), 'chat-bench-media-'));
const settings = {
  adminUrl,
  databaseName,
  databaseUrl: databaseUrlFor(adminUrl, databaseName),
  jwtSecret: randomBytes(32).toString('base64url'),
  mediaDir,
  redisUrl: process.env.REDIS_URL,
};

function machine() {
  const version = (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim().split('\n')[0] : 'unknown';
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: version('psql', ['-h', new URL(adminUrl).hostname, '-U', new URL(adminUrl).username || 'postgres', '-Atc', 'SHOW server_version', adminUrl]),
    redis: version('redis-server', ['--version']),
    serverCpu: SERVER_CPU,
    loadCpu: LOAD_CPU,
  };
}

const results = [];
let exitCode = 0;
const cleanups = [];
const started = Date.now();
try {
  log(
    `${QUICK ? 'quick' : 'full'} run: scenarios ${selected.map((scenario) => scenario.id).join(', ')}; servers on core ${SERVER_CPU}, load on core ${LOAD_CPU}; logs in ${LOG_DIR}`,
  );
  await createDatabase(adminUrl, databaseName);
  cleanups.push(() => dropDatabase(adminUrl, databaseName));
  log(`database ${databaseName} created`);
  if (!settings.redisUrl && selected.some((scenario) => scenario.needsRedis)) {
    const redis = await startPrivateRedis();
    settings.redisUrl = redis.url;
    cleanups.push(() => redis.stop());
    log(`private Redis on ${redis.url}`);
  }
  // The main candidate runs the migrations; scenarios that need their own instances start them.
  // BENCH_PROFILE=<dir>: the main candidate writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const app = await startApp('app-main', settings, {}, profile);
  cleanups.push(() => app.stop());
  log(`candidate server up on ${app.url} (pid ${app.pid})`);
  const seeder = new Seeder(settings.databaseUrl, settings.jwtSecret);
  cleanups.push(() => seeder.close());
  // With autovacuum off (as on some machines here), statistics stay as the seeder's ANALYZE left them:
  // a table analyzed empty is planned as empty for the whole run, and /sync seq-scanned the event log.
  // This does what the default autovacuum would: each minute, ANALYZE each table changed by more than
  // 50 rows + 10 % since its last analyze (autovacuum_analyze_threshold and _scale_factor), one at a time.
  // (A whole-database ANALYZE each minute overlapped itself and put 300 ms into scenario 13's tails.)
  if ((await seeder.query('SHOW autovacuum')).rows[0].autovacuum !== 'on') {
    log('autovacuum is off on this server: the bench analyzes changed tables each minute, as the default autovacuum would');
    let analyzing = false;
    const analyzeChanged = async () => {
      if (analyzing) return;
      analyzing = true;
      try {
        const { rows } = await seeder.query(
          `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
            WHERE n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)`,
        );
        for (const { name } of rows) await seeder.query(`ANALYZE ${name}`);
      } catch (error) {
        log(`analyze: ${error.message}`);
      } finally {
        analyzing = false;
      }
    };
    const analyzer = setInterval(() => void analyzeChanged(), 60_000);
    cleanups.push(() => clearInterval(analyzer));
  }
  const context = { settings, app, seeder, cleanups, shared: {} };
  for (const scenario of selected) {
    const scenarioStarted = Date.now();
    log(`scenario ${scenario.id}: ${scenario.title}`);
    try {
      const result = await scenario.run(context);
      results.push({ id: scenario.id, title: scenario.title, ...result, seconds: Math.round((Date.now() - scenarioStarted) / 1000) });
    } catch (error) {
      exitCode = 1;
      log(`scenario ${scenario.id} failed: ${error.stack ?? error}`);
      results.push({ id: scenario.id, title: scenario.title, error: String(error.message ?? error), metrics: [] });
    }
  }
} catch (error) {
  exitCode = 1;
  log(`bench failed: ${error.stack ?? error}`);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`cleanup: ${error.message}`);
    }
  }
  await stopAll();
  rmSync(mediaDir, { recursive: true, force: true });
}

const report = {
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  quick: QUICK,
  machine: machine(),
  scenarios: results,
};
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
const file = join(BENCH_DIR, 'results', `${stamp}${QUICK ? '-quick' : ''}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
printTable(report);
log(`results written to ${file.replace(`${ROOT}/`, '')}; database ${databaseName} dropped`);
process.exit(exitCode);

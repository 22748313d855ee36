// A/B of two builds of the server, in one run: this checkout's `dist` (A) against another checkout's
// (B, built with `npm run build` there), on one database, both pinned to the server core, rounds
// alternating A B B A …, each reading the server's CPU time per request from /proc. Run-to-run noise on
// this machine (±10–30 % in req/s) is larger than most single optimisations, and one process of a build
// differs from the next by up to ±10 % in CPU per request (an A/A run: the same build as A and B) — so
// both are started afresh `--pairs` times and the ratio reported is the median of the pairs' ratios.
//
//   node bench/ab.js <other checkout> [--pairs=3] [--seconds=2] [--rounds=3]
//   git worktree add ../before HEAD~1 && (cd ../before && npm ci && npm run build) && node bench/ab.js ../before
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { abbaOrder, log, median, pinToLoadCore, ROOT, stopAll, withCpuPerRequest } from './lib/common.js';
import { createDatabase, databaseUrlFor, dropDatabase, Seeder } from './lib/db.js';
import { httpLoad } from './lib/http-load.js';
import { startAppBuiltIn } from './lib/servers.js';

pinToLoadCore();

const [other] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const option = (name, fallback) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
if (!other || !existsSync(join(other, 'dist', 'src', 'main.js'))) {
  console.error('usage: node bench/ab.js <other checkout, built> [--seconds=2] [--rounds=3]');
  process.exit(2);
}
const seconds = option('seconds', 2);
const rounds = option('rounds', 3);
const pairs = option('pairs', 3);

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = `chat_ab_${Date.now()}`;
const settings = {
  databaseUrl: databaseUrlFor(adminUrl, databaseName),
  jwtSecret: randomBytes(32).toString('base64url'),
  mediaDir: mkdtempSync(join(tmpdir(), 'chat-ab-media-')),
};

/** What each build is asked: a public route, an authenticated read, and scenario 3's persisted send. */
function loads(users, conversationId) {
  const token = (index) => `Bearer ${users[index % users.length].token}`;
  return [
    ['GET /health/live', (url) => ({ url: `${url}/health/live` })],
    ['GET /api/v1/users/me', (url) => ({ url: `${url}/api/v1/users/me`, headers: { authorization: token(0) } })],
    [
      'POST …/messages (text send)',
      (url) => ({
        url,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => ({
              ...request,
              path: `/api/v1/conversations/${conversationId}/messages`,
              headers: { 'content-type': 'application/json', authorization: token(Math.floor(Math.random() * users.length)) },
              body: JSON.stringify({ clientMessageId: randomUUID(), content: 'A benchmark message of ordinary length, about sixty characters.' }),
            }),
          },
        ],
      }),
    ],
  ];
}

/** One pair of fresh processes: each load's median CPU µs and req/s per request on A and on B. */
async function pair(index, users, conversationId) {
  const a = await startAppBuiltIn(ROOT, `ab-a-${index}`, settings);
  const b = await startAppBuiltIn(resolve(other), `ab-b-${index}`, settings);
  const measured = [];
  try {
    for (const [label, load] of loads(users, conversationId)) {
      const run = (server, duration = seconds) =>
        withCpuPerRequest(server.pid, () => httpLoad({ ...load(server.url), durationSeconds: duration, connections: 16 }));
      await run(a, 1);
      await run(b, 1);
      const results = { A: [], B: [] };
      for (const side of abbaOrder(rounds)) {
        const result = await run(side === 'A' ? a : b);
        if (result.non2xx || result.errors) throw new Error(`${label} on ${side}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        results[side].push(result);
      }
      const of = (side, key) => median(results[side].map((result) => result[key]));
      measured.push({ label, cpu: { A: of('A', 'cpuMicrosPerRequest'), B: of('B', 'cpuMicrosPerRequest') }, rps: { A: of('A', 'rps'), B: of('B', 'rps') } });
      const last = measured.at(-1);
      log(`  pair ${index + 1} ${label}: CPU µs A ${last.cpu.A.toFixed(1)}, B ${last.cpu.B.toFixed(1)} (A/B ${(last.cpu.A / last.cpu.B).toFixed(3)})`);
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  return measured;
}

await createDatabase(adminUrl, databaseName);
try {
  // A's first process runs the migrations; B must be a build that A's schema suits.
  const first = await startAppBuiltIn(ROOT, 'ab-migrate', settings);
  await first.stop();
  const seeder = new Seeder(settings.databaseUrl, settings.jwtSecret);
  const users = await seeder.users('ab', 16);
  const conversationId = await seeder.group(
    'A/B',
    users.map((user) => user.id),
  );
  await seeder.close();
  log(`A = ${ROOT}, B = ${resolve(other)}: ${pairs} pairs of fresh processes, ${rounds * 2} rounds of ${seconds} s per load`);
  const all = [];
  for (let index = 0; index < pairs; index++) all.push(await pair(index, users, conversationId));
  for (const [position, [label]] of loads(users, conversationId).entries()) {
    const ratios = (key) => all.map((measured) => measured[position][key].A / measured[position][key].B);
    const cpu = (side) => median(all.map((measured) => measured[position].cpu[side]));
    log(
      `${label}: CPU per request A ${cpu('A').toFixed(1)} µs, B ${cpu('B').toFixed(1)} µs; A/B ${median(ratios('cpu')).toFixed(3)} ` +
        `(pairs ${ratios('cpu')
          .map((ratio) => ratio.toFixed(3))
          .join(', ')}); req/s A/B ${median(ratios('rps')).toFixed(3)}`,
    );
  }
} finally {
  await stopAll();
  await dropDatabase(adminUrl, databaseName);
}

// 13 ────────────────────────────────────────────────────────────────────────────────────────────────
// Capacity: a realistic day on one instance (pinned to one core). N signed-in users, each on a socket and
// each in ~20 direct conversations and ~5 groups of 10–200 members, live on their own Poisson schedules
// (bench/workers/day.js): a message a minute with typing before it, read receipts, presence (connects and
// reconnects), history scrolls, the conversation list, and a small share reconnecting and catching up with
// /sync. N steps up (500, 1,000, 2,000, 4,000, 8,000, 10,000; QUICK: 200, 400), each step held after a
// warm-up; the search stops at the first step where send→receive p99 ≥ 50 ms or REST p99 ≥ 100 ms, and the
// largest N that met both is published against the issue's "≥ 10,000".
//
// The world is seeded in tiers: the users a step adds form a world of their own (their direct conversations
// and groups are among themselves), so every step's conversations are fully online and a group keeps its
// size whatever the step. Each tier is seeded in bulk SQL just before its step.
//
//   BENCH_CAPACITY_STEPS=500,1000,2000   other steps
//   BENCH_CAPACITY_HOLD=30               seconds held per step (after the warm-up)
//   BENCH_CAPACITY_NO_STOP=1             hold every step, missed or not (the whole curve; N is still the first miss)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, LOAD_CPU, QUICK, SERVER_CPU, log, sleep, spawnPinned } from '../lib/common.js';
import { Histogram } from '../lib/histogram.js';

const SEND_P99_MS = 50;
const REST_P99_MS = 100;
const STEPS = process.env.BENCH_CAPACITY_STEPS?.split(',').map(Number) ?? (QUICK ? [200, 400] : [500, 1000, 2000, 4000, 8000, 10_000]);
const HOLD_SECONDS = Number(process.env.BENCH_CAPACITY_HOLD) || (QUICK ? 25 : 30);
const WARM_SECONDS = QUICK ? 5 : 10;
const NO_STOP = process.env.BENCH_CAPACITY_NO_STOP === '1';
/** Past this (seconds since the scenario began) no further step starts: the full run stays near 8 minutes. */
const TIME_BOX_SECONDS = 450;
/** A step whose users are not all connected by then has failed (lost work), and the search stops. */
const CONNECT_DEADLINE_SECONDS = QUICK ? 60 : 150;
const USERS_PER_PROCESS = 1250;
/** Handshakes in flight per load process: a steady arrival of users rather than a stampede on the pool. */
const CONNECTS_PER_PROCESS = 10;

/** A user's day, per minute (Poisson arrivals), and what follows a delivery. */
const RATES = {
  sendsPerMinute: 1,
  /** typing.start, then the message this long after it (and typing.stop after its ack). */
  typingMs: [800, 2500],
  /** Share of received messages after which the receiver marks the conversation read (once, debounced): in a
   * group of ~100 about one member reads each message as it lands (the others read in batches, later). */
  readShare: { direct: 0.6, group: 0.01 },
  readDelayMs: [500, 3000],
  /** A scroll: the newest page of 30, then the page before it. */
  scrollsPerMinute: 0.2,
  listsPerMinute: 0.1,
  /** One reconnect per user every 30 minutes on average: away 1–8 s (past the 5 s presence grace about half the time), then /sync. */
  reconnectsPerMinute: 1 / 30,
  offlineMs: [1000, 8000],
};

const DIRECT_PER_USER = 20;
const GROUPS_PER_USER = 5;
const GROUP_SIZE = [10, 200];
const SEEDED_DIRECT_MESSAGES = 3;
const SEEDED_GROUP_MESSAGES = 40;

const CLOCK_TICKS = 100;
const fmt = (n) => n.toLocaleString('en-US');
const round1 = (value) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);

let workerCount = 0;

/** A bench/workers/day.js process on the load core, spoken to over IPC. */
class DayWorker {
  constructor(name) {
    this.child = spawnPinned(`${name}-${++workerCount}`, LOAD_CPU, join(BENCH_DIR, 'workers', 'day.js'), [], {
      ipc: true,
      nodeArgs: ['--max-old-space-size=2048'],
    });
    this.calls = new Map();
    this.nextId = 0;
    this.child.on('message', ({ id, result, error }) => {
      const call = this.calls.get(id);
      if (!call) return;
      this.calls.delete(id);
      if (error) call.reject(new Error(`${this.child.benchName}: ${error}`));
      else call.resolve(result);
    });
    this.child.exited.then(({ code, signal }) => {
      for (const call of this.calls.values()) call.reject(new Error(`${this.child.benchName} exited (${code ?? signal})`));
      this.calls.clear();
    });
  }

  call(command, args) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.child.send({ id, command, args });
    });
  }

  async stop() {
    await this.call('disconnect').catch(() => undefined);
    await this.child.stop();
  }
}

// ── the world ────────────────────────────────────────────────────────────────────────────────────────

/** A small deterministic generator (mulberry32), so every run seeds the same shapes. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Groups of one tier: GROUPS_PER_USER passes, each a shuffle of the tier cut into groups of 10–200, so each
 * user is in exactly GROUPS_PER_USER groups and the sizes spread evenly over the range.
 */
function groupsOf(count, rand) {
  const groups = [];
  const [smallest, largest] = [GROUP_SIZE[0], Math.min(GROUP_SIZE[1], count)];
  for (let pass = 0; pass < GROUPS_PER_USER; pass++) {
    const deck = Array.from({ length: count }, (_, index) => index);
    for (let index = deck.length - 1; index > 0; index--) {
      const other = Math.floor(rand() * (index + 1));
      [deck[index], deck[other]] = [deck[other], deck[index]];
    }
    for (let start = 0; start < count;) {
      const size = smallest + Math.floor(rand() * (largest - smallest + 1));
      const members = deck.slice(start, start + size);
      start += size;
      // A remainder too small for a group joins the previous one (at most 209 members, under the 256 cap).
      if (members.length < smallest && groups.length && groups.at(-1).pass === pass) groups.at(-1).members.push(...members);
      else groups.push({ pass, members });
    }
  }
  return groups;
}

/**
 * Seeds one tier of `count` users: each in DIRECT_PER_USER direct conversations (user i with i ± 1…10 of
 * its tier) and GROUPS_PER_USER groups, with a little history everywhere and every marker at the newest
 * message. Answers the users as the day workers take them.
 */
async function seedTier(seeder, tier, count) {
  const users = await seeder.users(`cap${tier}`, count);
  const ids = users.map((user) => user.id);
  // Direct conversations, their members and messages in one statement.
  await seeder.query(
    `WITH u AS (SELECT id, n - 1 AS i FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)),
          pairs AS (SELECT a.id AS a, b.id AS b FROM u a CROSS JOIN generate_series(1, $2::int) AS d JOIN u b ON b.i = (a.i + d) % $3::int),
          c AS (INSERT INTO conversation (type, direct_key, last_seq, last_message_at, created_at)
                SELECT 'direct', LEAST(a::text COLLATE "C", b::text COLLATE "C") || ':' || GREATEST(a::text COLLATE "C", b::text COLLATE "C"),
                       $4::int, now() - random() * interval '12 hours', now() - interval '2 days'
                  FROM pairs
                RETURNING id, direct_key, last_message_at),
          m AS (INSERT INTO conversation_member (conversation_id, user_id, role, last_read_seq, last_delivered_seq, joined_at)
                SELECT c.id, split_part(c.direct_key, ':', k)::uuid, 'member', $4::int, $4::int, now() - interval '2 days'
                  FROM c, generate_series(1, 2) AS k)
     INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
     SELECT c.id, s, split_part(c.direct_key, ':', 1 + s % 2)::uuid, 'Seeded direct message ' || s || ', as long as a line of chat usually is.',
            gen_random_uuid(), c.last_message_at - ($4::int - s) * interval '1 minute'
       FROM c, generate_series(1, $4::int) AS s`,
    [ids, DIRECT_PER_USER / 2, count, SEEDED_DIRECT_MESSAGES],
  );
  const groups = groupsOf(count, random(0xc0ffee + tier));
  const groupIndex = [];
  const memberIds = [];
  const roles = [];
  for (const [index, group] of groups.entries()) {
    for (const [position, member] of group.members.entries()) {
      groupIndex.push(index + 1);
      memberIds.push(ids[member]);
      roles.push(position === 0 ? 'owner' : 'member');
    }
  }
  await seeder.query(
    `WITH c AS (INSERT INTO conversation (type, title, last_seq, last_message_at, created_at)
                SELECT 'group', 'Capacity ' || $1::int || '-' || g, $2::int, now() - random() * interval '2 hours', now() - interval '2 days'
                  FROM generate_series(1, $3::int) AS g
                RETURNING id, title, last_message_at),
          cg AS (SELECT id, last_message_at, split_part(title, '-', 2)::int AS g FROM c),
          picks AS (SELECT r.g, r.user_id, r.role, r.n FROM unnest($4::int[], $5::uuid[], $6::text[]) WITH ORDINALITY AS r(g, user_id, role, n)),
          m AS (INSERT INTO conversation_member (conversation_id, user_id, role, last_read_seq, last_delivered_seq, joined_at)
                SELECT cg.id, picks.user_id, picks.role, $2::int, $2::int, now() - interval '2 days' + picks.n * interval '1 microsecond'
                  FROM picks JOIN cg ON cg.g = picks.g),
          senders AS (SELECT g, (array_agg(user_id ORDER BY n))[1:5] AS ids FROM picks GROUP BY g)
     INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
     SELECT cg.id, s, senders.ids[1 + s % cardinality(senders.ids)], 'Seeded group message ' || s || ', as long as a line of chat usually is.',
            gen_random_uuid(), cg.last_message_at - ($2::int - s) * interval '30 seconds'
       FROM cg JOIN senders ON senders.g = cg.g, generate_series(1, $2::int) AS s`,
    [tier, SEEDED_GROUP_MESSAGES, groups.length, groupIndex, memberIds, roles],
  );
  const { rows } = await seeder.query(
    `SELECT mb.user_id, mb.conversation_id, c.type FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
      WHERE mb.user_id = ANY($1::uuid[])`,
    [ids],
  );
  const byUser = new Map(ids.map((id) => [id, []]));
  for (const row of rows) byUser.get(row.user_id).push([row.conversation_id, row.type]);
  const sizes = groups.map((group) => group.members.length);
  return {
    users: users.map((user) => ({ id: user.id, token: user.token, conversations: byUser.get(user.id) })),
    groups: groups.length,
    meanGroupSize: sizes.reduce((sum, size) => sum + size, 0) / sizes.length,
  };
}

// ── what the machine does ────────────────────────────────────────────────────────────────────────────

/** utime + stime of a process, in clock ticks (NaN once it is gone). */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** Busy and total jiffies of each core (/proc/stat): how busy a core was with everything on it, not only ours. */
function coreTimes() {
  const cores = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].trim().split(/\s+/).map(Number);
    cores[match[1]] = { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  }
  return cores;
}

const coreBusy = (before, after, core) => ((after[core].busy - before[core].busy) / (after[core].total - before[core].total)) * 100;

/** The PostgreSQL backends of the bench database (the app's pools, the seeder's): pids and commits. */
async function databaseSample(seeder, databaseName) {
  const { rows } = await seeder.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [databaseName]);
  const { rows: stats } = await seeder.query(`SELECT xact_commit::bigint AS commits FROM pg_stat_database WHERE datname = $1`, [databaseName]);
  const ticks = new Map(rows.map((row) => [row.pid, cpuTicks(row.pid)]));
  return { ticks, commits: Number(stats[0]?.commits ?? 0) };
}

function databaseCpu(before, after, seconds) {
  let ticks = 0;
  for (const [pid, end] of after.ticks) {
    const start = before.ticks.get(pid) ?? 0;
    if (Number.isFinite(end) && Number.isFinite(start)) ticks += end - start;
  }
  return (ticks / CLOCK_TICKS / seconds) * 100;
}

/** One look at pg_stat_activity for the bench database (the harness's own probes left out). */
async function sampleActivity(seeder, databaseName, activity) {
  const { rows } = await seeder.query(
    `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'cpu') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query
       FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid()
        AND (state = 'active' OR state LIKE 'idle in transaction%')`,
    [databaseName],
  );
  const busy = rows.filter((row) => !/pg_stat_activity|txid_current/.test(row.query));
  activity.samples++;
  activity.busy += busy.length;
  activity.busyMax = Math.max(activity.busyMax, busy.length);
  for (const row of busy) {
    const wait = row.state === 'active' ? row.wait : row.state;
    activity.waits[wait] = (activity.waits[wait] ?? 0) + 1;
    activity.queries[row.query] = (activity.queries[row.query] ?? 0) + 1;
  }
}

const top = (counts, n) =>
  Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n),
  );

/** The server's /metrics: event-loop lag (prom-client resets its histogram on each scrape) and delivery stages. */
async function scrape(appUrl) {
  try {
    const text = await (await fetch(`${appUrl}/metrics`)).text();
    const value = (name) => {
      const match = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
      return match ? Number(match[1]) : NaN;
    };
    const stages = {};
    for (const match of text.matchAll(/^chat_event_delivery_stage_seconds_(sum|count)\{[^}]*stage="([a-z_]+)"[^}]*\} ([0-9.eE+-]+)$/gm)) {
      stages[match[2]] ??= { sum: 0, count: 0 };
      stages[match[2]][match[1]] += Number(match[3]);
    }
    return { loopP99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000, loopMaxMs: value('nodejs_eventloop_lag_max_seconds') * 1000, stages };
  } catch {
    return { loopP99Ms: NaN, loopMaxMs: NaN, stages: {} };
  }
}

function stageMeans(before, after) {
  const means = {};
  for (const [stage, end] of Object.entries(after.stages)) {
    const start = before.stages[stage] ?? { sum: 0, count: 0 };
    const count = end.count - start.count;
    means[stage] = count ? round1(((end.sum - start.sum) / count) * 1000) : null;
  }
  return means;
}

// ── one step ─────────────────────────────────────────────────────────────────────────────────────────

async function hold(context, workers, step) {
  const { app, seeder, settings } = context;
  await Promise.all(workers.map((worker) => worker.call('reset')));
  const serverStart = cpuTicks(app.pid);
  const coresStart = coreTimes();
  const loadStart = workers.map((worker) => cpuTicks(worker.child.pid));
  const harnessStart = process.cpuUsage();
  const dbStart = await databaseSample(seeder, settings.databaseName);
  const metricsStart = await scrape(app.url);
  const started = performance.now();
  // A commit probe beside the load: `SELECT txid_current()` takes an xid, so its commit flushes WAL as a
  // send's does. Its latency is what the database alone adds to each of the two commits a delivery waits for.
  const commits = new Histogram();
  // And what the app's connections are doing, once a second: busy (active or in a transaction) out of the
  // pool, and what the busy ones wait on and run.
  const activity = { samples: 0, busy: 0, busyMax: 0, waits: {}, queries: {} };
  let probing = true;
  const probe = (async () => {
    for (let tick = 0; probing; tick++) {
      const at = performance.now();
      await seeder.query('SELECT txid_current()');
      commits.record(performance.now() - at);
      if (tick % 5 === 0) await sampleActivity(seeder, settings.databaseName, activity);
      await sleep(200);
    }
  })();
  await sleep(HOLD_SECONDS * 1000);
  probing = false;
  await probe;
  const results = await Promise.all(workers.map((worker) => worker.call('collect')));
  const seconds = (performance.now() - started) / 1000;
  const metricsEnd = await scrape(app.url);
  const dbEnd = await databaseSample(seeder, settings.databaseName);
  const serverEnd = cpuTicks(app.pid);
  const coresEnd = coreTimes();
  const harness = process.cpuUsage(harnessStart);
  const loadTicks = workers.reduce((sum, worker, index) => sum + (cpuTicks(worker.child.pid) - loadStart[index]), 0);

  const merge = (pick) => results.reduce((histogram, result) => histogram.merge(Histogram.fromSparse(pick(result))), new Histogram());
  const delivery = merge((result) => result.delivery);
  const rest = merge((result) => result.rest);
  const counts = {};
  const errors = {};
  for (const result of results) {
    for (const [key, value] of Object.entries(result.counts)) counts[key] = (counts[key] ?? 0) + value;
    for (const [key, value] of Object.entries(result.errors)) errors[key] = (errors[key] ?? 0) + value;
  }
  const restByKind = {};
  for (const kind of Object.keys(results[0].restByKind)) restByKind[kind] = merge((result) => result.restByKind[kind]).summary();
  const perSecond = (value) => value / seconds;
  return {
    users: step,
    sockets: results.reduce((sum, result) => sum + result.online, 0),
    seconds: round1(seconds),
    sendP99: delivery.percentile(99),
    sendP50: delivery.percentile(50),
    restP99: rest.percentile(99),
    restP50: rest.percentile(50),
    msgsPerSecond: perSecond(counts.acked),
    deliveriesPerSecond: perSecond(counts.delivered),
    restPerSecond: perSecond(counts.restRequests),
    serverCpuPercent: ((serverEnd - serverStart) / CLOCK_TICKS / seconds) * 100,
    /** The server core's use by everything on it (other processes of the machine too). */
    serverCoreBusyPercent: coreBusy(coresStart, coresEnd, SERVER_CPU),
    loadCoreBusyPercent: coreBusy(coresStart, coresEnd, LOAD_CPU),
    serverLoopP99Ms: metricsEnd.loopP99Ms,
    serverLoopMaxMs: metricsEnd.loopMaxMs,
    databaseCpuPercent: databaseCpu(dbStart, dbEnd, seconds),
    databaseCommitsPerSecond: perSecond(dbEnd.commits - dbStart.commits),
    commitProbe: commits.summary(),
    /** Mean connections of the bench database busy (active or inside a transaction) per sample, their most seen waits and statements. */
    databaseBusyMean: activity.samples ? activity.busy / activity.samples : NaN,
    databaseBusyMax: activity.busyMax,
    databaseWaits: top(activity.waits, 6),
    databaseQueries: top(activity.queries, 6),
    loadCpuPercent: ((loadTicks / CLOCK_TICKS + (harness.user + harness.system) / 1e6) / seconds) * 100,
    loadLoopP99Ms: Math.max(...results.map((result) => result.loopDelayP99Ms)),
    deliveryStagesMs: stageMeans(metricsStart, metricsEnd),
    delivery: delivery.summary(),
    deliveryDirect: merge((result) => result.deliveryDirect).summary(),
    deliveryGroup: merge((result) => result.deliveryGroup).summary(),
    ack: merge((result) => result.ack).summary(),
    rest: rest.summary(),
    restByKind,
    counts,
    errors,
  };
}

function describe(result) {
  const figure = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  return (
    `sockets=${result.sockets} send→receive p50/p99=${figure(result.sendP50, 1)}/${figure(result.sendP99, 1)} ms ` +
    `REST p50/p99=${figure(result.restP50, 1)}/${figure(result.restP99, 1)} ms msgs/s=${figure(result.msgsPerSecond, 1)} ` +
    `deliveries/s=${figure(result.deliveriesPerSecond)} REST/s=${figure(result.restPerSecond, 1)} | server ${figure(result.serverCpuPercent)}% of its core (core busy ${figure(result.serverCoreBusyPercent)}%) ` +
    `loop p99 ${figure(result.serverLoopP99Ms)} ms | db backends ${figure(result.databaseCpuPercent)}% ${figure(result.databaseCommitsPerSecond)} commits/s, probe commit p50/p99 ${figure(result.commitProbe.p50, 1)}/${figure(result.commitProbe.p99, 1)} ms, ` +
    `busy connections mean/max ${figure(result.databaseBusyMean, 1)}/${result.databaseBusyMax} | ` +
    `load ${figure(result.loadCpuPercent)}% (core busy ${figure(result.loadCoreBusyPercent)}%, worker loop p99 ${figure(result.loadLoopP99Ms)} ms)`
  );
}

/** What most likely ran out at a step: the server core, its event loop, the database, or the load side. */
function saturation(result) {
  const causes = [];
  if (result.serverCpuPercent >= 85) causes.push(`server ${Math.round(result.serverCpuPercent)}% of its core`);
  else if (result.serverCoreBusyPercent >= 85)
    causes.push(
      `server core ${Math.round(result.serverCoreBusyPercent)}% busy, the server only ${Math.round(result.serverCpuPercent)}% of it: other processes on the core`,
    );
  if (result.serverLoopP99Ms >= 50) causes.push(`server event-loop lag p99 ${Math.round(result.serverLoopP99Ms)} ms`);
  if (result.databaseCpuPercent >= 60) causes.push(`database backends ${Math.round(result.databaseCpuPercent)}% of a core`);
  const stages = result.deliveryStagesMs ?? {};
  if (result.databaseBusyMax >= 10)
    causes.push(
      `database pool: up to ${result.databaseBusyMax} connections busy at once (mean ${result.databaseBusyMean.toFixed(1)}; DATABASE_POOL_SIZE 10, JOBS_POOL_SIZE 4)`,
    );
  if (result.counts.sendFailed || result.counts.restFailed) causes.push(`refusals: ${JSON.stringify(top(result.errors, 4))}`);
  if (result.commitProbe.p99 >= 20) causes.push(`a bare commit takes ${result.commitProbe.p50.toFixed(1)}/${result.commitProbe.p99.toFixed(1)} ms (p50/p99)`);
  if (stages.to_sequencer >= 20) causes.push(`writer→sequencer ${stages.to_sequencer} ms mean (commit and sequencer wait)`);
  if (result.loadCpuPercent >= 90 || result.loadCoreBusyPercent >= 90 || result.loadLoopP99Ms >= 50)
    causes.push(
      `load side: its processes ${Math.round(result.loadCpuPercent)}% of the load core (core busy ${Math.round(result.loadCoreBusyPercent)}%), client loop p99 ${Math.round(result.loadLoopP99Ms)} ms: the figures include client delay`,
    );
  if (causes.length) return causes.join('; ');
  const means = Object.entries(stages)
    .map(([stage, ms]) => `${stage} ${ms} ms`)
    .join(', ');
  return `no resource near its limit: the tail is the send path's own (send→ack p99 ${result.ack.p99?.toFixed(1)} ms; delivery stages, mean: ${means})`;
}

// ── the scenario ─────────────────────────────────────────────────────────────────────────────────────

export async function capacity(context) {
  const { app, seeder } = context;
  const began = performance.now();
  const workers = [];
  const steps = [];
  const metrics = [];
  let largest = 0;
  let stoppedBy = 'every step met both bounds';
  let previous = 0;
  let missedAt;
  let connectRate = Infinity;
  try {
    for (const [tier, step] of STEPS.entries()) {
      const count = step - previous;
      // The next step's cost (seeding, connects at the rate seen so far, warm-up, hold): past the time box it is not started.
      const elapsed = (performance.now() - began) / 1000;
      const expected = elapsed + count / 200 + Math.min(count / connectRate, CONNECT_DEADLINE_SECONDS) + WARM_SECONDS + HOLD_SECONDS + 5;
      if (tier > 0 && expected > TIME_BOX_SECONDS) {
        stoppedBy = `time box: N=${fmt(step)} would end near ${Math.round(expected)} s (connects at ${Math.round(connectRate)}/s), past ${TIME_BOX_SECONDS} s`;
        break;
      }
      const seeded = performance.now();
      const world = await seedTier(seeder, tier + 1, count);
      await seeder.analyze();
      log(
        `  N=${fmt(step)}: seeded ${fmt(count)} users, ${fmt((count * DIRECT_PER_USER) / 2)} direct conversations, ${world.groups} groups ` +
          `(mean ${world.meanGroupSize.toFixed(0)} members) in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
      );
      const processes = Math.ceil(count / USERS_PER_PROCESS);
      const added = Array.from({ length: processes }, () => new DayWorker(`day${step}`));
      workers.push(...added);
      const connecting = performance.now();
      const connectTicks = cpuTicks(app.pid);
      const connected = await Promise.all(
        added.map((worker, index) =>
          worker.call('connect', {
            url: app.url,
            specs: world.users.filter((_, at) => at % processes === index),
            concurrency: CONNECTS_PER_PROCESS,
            rates: RATES,
            deadlineMs: CONNECT_DEADLINE_SECONDS * 1000,
          }),
        ),
      );
      const failed = connected.reduce((sum, result) => sum + result.failed, 0);
      const connectSeconds = (performance.now() - connecting) / 1000;
      connectRate = (count - failed) / connectSeconds;
      const connectCpu = ((cpuTicks(app.pid) - connectTicks) / CLOCK_TICKS / connectSeconds) * 100;
      log(
        `  N=${fmt(step)}: ${fmt(count - failed)} more sockets in ${connectSeconds.toFixed(1)} s (${((count - failed) / connectSeconds).toFixed(0)}/s, server ${connectCpu.toFixed(0)}% of its core)` +
          `${failed ? `, ${failed} failed (${connected.find((result) => result.firstError)?.firstError})` : ''}; warming up ${WARM_SECONDS} s, holding ${HOLD_SECONDS} s`,
      );
      previous = step;
      await sleep(WARM_SECONDS * 1000);
      const result = await hold(context, workers, step);
      result.connectPerSecond = (count - failed) / connectSeconds;
      result.connectFailed = failed;
      result.connectServerCpuPercent = connectCpu;
      steps.push(result);
      log(`  N=${fmt(step)}: ${describe(result)}`);
      if (Object.keys(result.errors).length) log(`  N=${fmt(step)}: errors ${JSON.stringify(result.errors)}`);
      log(
        `  N=${fmt(step)}: busy database connections wait on ${JSON.stringify(result.databaseWaits)}; running ${JSON.stringify(top(result.databaseQueries, 3))}`,
      );

      const sendMet = result.sendP99 < SEND_P99_MS;
      const restMet = result.restP99 < REST_P99_MS;
      // Lost work fails a step as surely as slow work: refused connects or sends past 1 %.
      const lost =
        failed > count * 0.01 || result.counts.sendFailed > result.counts.sent * 0.01 || result.counts.restFailed > result.counts.restRequests * 0.01;
      metrics.push(
        {
          label: `N=${fmt(step)}: send→receive p99`,
          unit: 'ms',
          candidate: result.sendP99,
          baseline: null,
          ratio: null,
          target: `< ${SEND_P99_MS} ms`,
          met: sendMet,
        },
        { label: `N=${fmt(step)}: REST p99`, unit: 'ms', candidate: result.restP99, baseline: null, ratio: null, target: `< ${REST_P99_MS} ms`, met: restMet },
        {
          label:
            `  (info) N=${fmt(step)}: ${fmt(result.sockets)} sockets, ${fmt(Math.round(result.deliveriesPerSecond))} deliveries/s, ` +
            `server core ${Math.round(result.serverCpuPercent)}%, loop p99 ${Math.round(result.serverLoopP99Ms)} ms`,
          unit: 'msgs/s',
          candidate: result.msgsPerSecond,
          baseline: null,
          ratio: null,
        },
      );
      if (sendMet && restMet && !lost) {
        if (!missedAt) largest = step;
        continue;
      }
      const missed = [
        sendMet ? null : `send→receive p99 ${result.sendP99.toFixed(1)} ms`,
        restMet ? null : `REST p99 ${result.restP99.toFixed(1)} ms`,
        lost ? `lost work (${failed} connects, ${result.counts.sendFailed} sends, ${result.counts.restFailed} REST failed)` : null,
      ]
        .filter(Boolean)
        .join(', ');
      if (!missedAt) stoppedBy = `N=${fmt(step)} missed: ${missed}; ${saturation(result)}`;
      missedAt ??= step;
      if (!NO_STOP) break;
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  log(`  capacity: N=${fmt(largest)} (${stoppedBy})`);
  metrics.push({
    label: `largest N with send→receive p99 < ${SEND_P99_MS} ms and REST p99 < ${REST_P99_MS} ms (one core)`,
    unit: 'users',
    candidate: largest,
    baseline: null,
    ratio: null,
    target: '≥ 10,000',
    met: largest >= 10_000,
  });
  return {
    metrics,
    details: {
      capacity: largest,
      stoppedBy,
      rates: RATES,
      world: { directPerUser: DIRECT_PER_USER, groupsPerUser: GROUPS_PER_USER, groupSize: GROUP_SIZE },
      holdSeconds: HOLD_SECONDS,
      warmSeconds: WARM_SECONDS,
      steps,
    },
  };
}

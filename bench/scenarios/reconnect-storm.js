// 11 ────────────────────────────────────────────────────────────────────────────────────────────────
// Reconnect storm: 10,000 sockets (QUICK: 1,000) drop at once and reconnect at once, each catching up with
// GET /api/v1/sync?since=<its cursor> until hasMore is false and checking it got every message it missed.
// Baseline: the same sockets dropping and reconnecting to plain socket.io (bench/baselines/raw-socketio.js),
// which has no /sync. Meanwhile a separate pair of users sends at a paced rate on the app; its send→receive
// p99 during the storm is compared with the same pacing while the app is idle.
//
// The baseline is the issue's: plain socket.io reconnecting, no catch-up at all. A raw /sync beside it would
// be a second event log to keep honest; instead the "(info) all handshakes done" line splits the app's
// figure into its handshake part and the /sync part. The drop is a clean client-side close (as after a
// network change the client noticed, or a load balancer's drain), so the server sees every disconnect as
// the reconnects arrive. Limits: the handshake, HTTP and presence rate limits, SOCKETS_PER_USER and
// HEAVY_REQUESTS_PER_USER are lifted by UNLIMITED (bench/lib/servers.js; here each user holds one socket
// and one /sync at a time, so neither per-user bound would bite anyway); DATABASE_POOL_SIZE (10), its 3 s
// acquire timeout and PRESENCE_OFFLINE_GRACE (5 s) are the app's defaults, and they are what a storm meets.
// run.js raises the descriptor limit to the hard limit (10,000 sockets need as many on each side).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, LOAD_CPU, QUICK, abbaOrder, log, sleep, spawnPinned } from '../lib/common.js';
import { Histogram } from '../lib/histogram.js';
import { SECONDS, bearer, lower, med, summarize } from '../lib/rounds.js';
import { startRawSocketIo } from '../lib/servers.js';

const GROUP_SIZE = 10;
/** Messages sent into each group before a storm: what every member has to catch up with. */
const MISSED_PER_GROUP = 3;
const FLEET_PROCESSES = 4;
/**
 * Handshakes in flight at once over the whole fleet during the storm. Kept under the listen backlog (511,
 * Node's default, on both servers): above it the kernel drops SYNs while the server is busy, clients wait
 * out the SYN retransmission timer (1 + 2 + 4 + 8 s) and the figure is that timer's, on either side.
 */
const STORM_IN_FLIGHT = Number(process.env.BENCH_STORM_IN_FLIGHT) || 500;
const PROBE_RATE = 50;
const PROBE_SENDER_SOCKETS = 4;
/** The fleet's processes run at this niceness, so the probe's process gets the load core when it needs it. */
const FLEET_NICE = 10;

let workerCount = 0;

/** A bench/workers/storm.js process on the load core, spoken to over IPC. */
class StormWorker {
  constructor(name) {
    this.child = spawnPinned(`${name}-${++workerCount}`, LOAD_CPU, join(BENCH_DIR, 'workers', 'storm.js'), [], {
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

/** The fleet on one server, spread over FLEET_PROCESSES workers; with `apiUrl` each socket takes a cursor. */
async function connectStormFleet(name, url, specs, apiUrl) {
  const workers = Array.from({ length: FLEET_PROCESSES }, () => new StormWorker(name));
  const started = performance.now();
  const results = await Promise.all(
    workers.map((worker, index) =>
      worker.call('connect', { url, apiUrl, specs: specs.filter((_, at) => at % FLEET_PROCESSES === index), concurrency: 100, nice: FLEET_NICE }),
    ),
  );
  const connected = results.reduce((sum, result) => sum + result.connected, 0);
  const retried = results.reduce((sum, result) => sum + result.retried, 0);
  const firstError = results.find((result) => result.firstError)?.firstError;
  const fleet = { workers, stop: () => Promise.all(workers.map((worker) => worker.stop())) };
  if (connected !== specs.length) {
    await fleet.stop();
    throw new Error(`${name}: only ${connected} of ${specs.length} sockets connected (${firstError})`);
  }
  if (retried) log(`  ${name}: ${retried} handshakes were refused (${firstError}) and tried again`);
  log(`  ${name}: ${connected} sockets connected in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return fleet;
}

/** Every worker drops and reconnects its sockets at the same moment; answers the storm's figures. */
async function stormFleet(fleet, { url, apiUrl, expected }) {
  const concurrency = Math.ceil(STORM_IN_FLIGHT / fleet.workers.length);
  const results = await Promise.all(fleet.workers.map((worker) => worker.call('storm', { url, apiUrl, concurrency, expected })));
  const sum = (key) => results.reduce((total, result) => total + result[key], 0);
  const merged = (key) => results.reduce((histogram, result) => histogram.merge(Histogram.fromSparse(result[key])), new Histogram());
  const startedAt = Math.min(...results.map((result) => result.startedAt));
  const summary = {
    sockets: sum('sockets'),
    reconnected: sum('reconnected'),
    caughtUp: sum('caughtUp'),
    events: sum('events'),
    pages: sum('pages'),
    retried: sum('retried'),
    syncRetried: sum('syncRetried'),
    firstError: results.find((result) => result.firstError)?.firstError,
    refusals: {},
    stormSeconds: (Math.max(...results.map((result) => result.doneAt)) - startedAt) / 1000,
    reconnectSeconds: (Math.max(...results.map((result) => result.connectedAt)) - startedAt) / 1000,
    handshake: merged('handshake'),
    sync: merged('sync'),
    catchUp: merged('catchUp'),
  };
  for (const result of results) for (const [why, times] of Object.entries(result.refusals)) summary.refusals[why] = (summary.refusals[why] ?? 0) + times;
  if (Object.keys(summary.refusals).length) log(`  storm on ${url}: refused and tried again: ${JSON.stringify(summary.refusals)}`);
  if (summary.reconnected !== summary.sockets || summary.caughtUp !== summary.sockets) {
    throw new Error(
      `storm on ${url}: ${summary.reconnected} of ${summary.sockets} sockets reconnected, ${summary.caughtUp} caught up (${summary.firstError ?? 'no error recorded'})`,
    );
  }
  return summary;
}

/** Lines the server has logged so far (warnings and errors: it runs at LOG_LEVEL=warn). */
function loggedLines(server) {
  try {
    return readFileSync(server.child.logFile, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** `count` users in groups of GROUP_SIZE, each group a conversation; answers the users (with conversationId) and the groups. */
async function seedFleet(seeder, count) {
  const users = await seeder.users('storm', count);
  const groups = [];
  for (let start = 0; start < count; start += GROUP_SIZE) {
    const members = users.slice(start, start + GROUP_SIZE);
    const id = await seeder.group(
      `Storm ${start / GROUP_SIZE}`,
      members.map((user) => user.id),
    );
    for (const user of members) user.conversationId = id;
    groups.push({ id, members });
  }
  return { users, groups };
}

/** MISSED_PER_GROUP messages into every group over REST (a different member each round); answers client ids by conversation. */
async function sendMissed(apiUrl, groups, round) {
  const sends = groups.flatMap((group) =>
    Array.from({ length: MISSED_PER_GROUP }, (_, index) => ({
      group,
      sender: group.members[round % group.members.length],
      clientMessageId: randomUUID(),
      index,
    })),
  );
  let next = 0;
  const lane = async () => {
    while (next < sends.length) {
      const { group, sender, clientMessageId, index } = sends[next++];
      const response = await fetch(`${apiUrl}/api/v1/conversations/${group.id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(sender.token) },
        body: JSON.stringify({ clientMessageId, content: `Storm round ${round}, message ${index + 1}: something to catch up with after the storm.` }),
      });
      if (response.status !== 201) throw new Error(`send before the storm answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const expected = {};
  for (const { group, clientMessageId } of sends) (expected[group.id] ??= []).push(clientMessageId);
  return expected;
}

export async function reconnectStorm(context) {
  const { seeder, app, settings } = context;
  const count = QUICK ? 1000 : 10_000;
  log(`  seeding ${count.toLocaleString('en-US')} users in groups of ${GROUP_SIZE}, and the probe's pair`);
  const { users, groups } = await seedFleet(seeder, count);
  const [probeSender] = await seeder.users('storm_probe_sender', 1);
  const [probeReceiver] = await seeder.users('storm_probe_receiver', 1);
  const probeConversation = await seeder.group('Storm probe', [probeSender.id, probeReceiver.id]);
  await seeder.analyze();
  const specs = users.map((user) => ({ token: user.token, userId: user.id, conversationId: user.conversationId, rooms: [user.conversationId] }));

  const raw = await startRawSocketIo('raw-socketio-storm', settings);
  const probe = new StormWorker('storm-probe');
  let appFleet;
  let rawFleet;
  try {
    await probe.call('probeConnect', {
      url: app.url,
      senderSpecs: Array.from({ length: PROBE_SENDER_SOCKETS }, () => ({ token: probeSender.token, conversationId: probeConversation })),
      receiverSpec: { token: probeReceiver.token },
    });
    appFleet = await connectStormFleet('storm-app', app.url, specs, app.url);
    rawFleet = await connectStormFleet('storm-raw', raw.url, specs);

    let round = 0;
    /** The probe's figures while `fn` runs; `fn`'s result comes back as `during`. */
    const probed = async (fn) => {
      await probe.call('probeStart', { rate: PROBE_RATE });
      let during;
      let failure;
      try {
        during = await fn();
      } catch (error) {
        failure = error;
      }
      const result = await probe.call('probeStop');
      if (failure) throw failure;
      const latency = Histogram.fromSparse(result.latency);
      // A send refused or never delivered counts as the histogram's ceiling (10 s): lost is worse than slow.
      const lost = result.failed + result.undelivered;
      for (let index = 0; index < lost; index++) latency.record(Infinity);
      if (lost) log(`  probe: ${result.failed} of ${result.sent} sends refused, ${result.undelivered} not delivered (${result.firstError})`);
      return { during, p99: latency.percentile(99), p50: latency.percentile(50), sent: result.sent, lost, loopDelayMaxMs: result.loopDelayMaxMs };
    };
    let lastStormMs = SECONDS * 1000;
    const appStorm = async () => {
      round++;
      // Idle first, for as long as the last storm lasted (bounded), with the fleet connected and quiet.
      const idleMs = Math.min(QUICK ? 3000 : 10_000, Math.max(SECONDS * 1000, lastStormMs));
      const idle = await probed(() => sleep(idleMs));
      const expected = await sendMissed(app.url, groups, round);
      await sleep(1000); // the live deliveries of those sends settle before the drop
      const linesBefore = loggedLines(app);
      const storm = await probed(() => stormFleet(appFleet, { url: app.url, apiUrl: app.url, expected }));
      const serverWarnings = loggedLines(app) - linesBefore;
      lastStormMs = storm.during.stormSeconds * 1000;
      return figures(storm.during, {
        idleP99: idle.p99,
        idleP50: idle.p50,
        idleLost: idle.lost,
        stormP99: storm.p99,
        stormP50: storm.p50,
        probeSent: storm.sent,
        probeLost: storm.lost,
        probeLoopDelayMaxMs: storm.loopDelayMaxMs,
        serverWarnings,
      });
    };
    const rawStorm = async () => figures(await stormFleet(rawFleet, { url: raw.url }));

    // Warm-up (full runs): a storm on each side, no sends, no probe (the app's pages are empty but its paths
    // run). The quick pass skips it and has two rounds a side (A B B A) unless BENCH_ROUNDS says otherwise:
    // a storm that tips over (see docs/SCALING.md) takes a minute or two even at 1,000 sockets.
    if (!QUICK) {
      log(`  warm-up: one storm on each side (${STORM_IN_FLIGHT} handshakes in flight)`);
      log(`  warm-up candidate: ${summarize(figures(await stormFleet(appFleet, { url: app.url, apiUrl: app.url })))}`);
      log(`  warm-up baseline : ${summarize(figures(await stormFleet(rawFleet, { url: raw.url })))}`);
    }
    const order = QUICK && !process.env.BENCH_ROUNDS ? abbaOrder(2) : abbaOrder();
    const rounds = { A: [], B: [] };
    for (const [index, side] of order.entries()) {
      const result = await (side === 'A' ? appStorm() : rawStorm());
      rounds[side].push(result);
      log(`  storm of ${count} round ${index + 1}/${order.length} ${side === 'A' ? 'candidate' : 'baseline '}: ${summarize(result)}`);
    }

    const label = `${count.toLocaleString('en-US')} sockets`;
    const counted = (what, key) => {
      const least = Math.min(...rounds.A.map((result) => result[key]));
      return {
        label: `storm: sockets ${what} (fewest of any round)`,
        unit: 'sockets',
        candidate: least,
        baseline: count,
        ratio: least / count,
        target: `= ${count}`,
        met: least === count,
      };
    };
    return {
      metrics: [
        lower(
          `storm of ${label}: drop → all reconnected and caught up (/sync) vs plain socket.io reconnect`,
          's',
          med(rounds.A, 'stormSeconds'),
          med(rounds.B, 'stormSeconds'),
          2,
        ),
        lower(`  (info) storm: drop → all handshakes done (app) vs plain socket.io`, 's', med(rounds.A, 'reconnectSeconds'), med(rounds.B, 'reconnectSeconds')),
        lower(`  (info) storm: handshake p99 (app vs plain socket.io)`, 'ms', med(rounds.A, 'handshakeP99'), med(rounds.B, 'handshakeP99')),
        lower(`other users' send→receive p99 during the storm vs idle (@ ${PROBE_RATE} msgs/s)`, 'ms', med(rounds.A, 'stormP99'), med(rounds.A, 'idleP99'), 3),
        {
          label: `other users' sends refused or lost, storm vs idle (all rounds)`,
          unit: 'msgs',
          candidate: rounds.A.reduce((sum, result) => sum + result.probeLost, 0),
          baseline: rounds.A.reduce((sum, result) => sum + result.idleLost, 0),
          ratio: null,
          target: '= 0',
          met: rounds.A.every((result) => result.probeLost === 0),
        },
        counted('reconnected', 'reconnected'),
        counted('caught up with every missed message', 'caughtUp'),
      ],
      details: { count, groupSize: GROUP_SIZE, missedPerGroup: MISSED_PER_GROUP, inFlight: STORM_IN_FLIGHT, probeRate: PROBE_RATE, rounds },
    };
  } finally {
    await probe.stop();
    await appFleet?.stop();
    await rawFleet?.stop();
    await raw.stop();
  }
}

/** A storm's figures for the log and the results file (histograms as percentiles). */
function figures(storm, extra = {}) {
  return {
    stormSeconds: storm.stormSeconds,
    reconnectSeconds: storm.reconnectSeconds,
    reconnected: storm.reconnected,
    caughtUp: storm.caughtUp,
    handshakeP50: storm.handshake.percentile(50),
    handshakeP99: storm.handshake.percentile(99),
    syncP99: storm.sync.total ? storm.sync.percentile(99) : null,
    catchUpP99: storm.catchUp.total ? storm.catchUp.percentile(99) : null,
    events: storm.events,
    pages: storm.pages,
    retried: storm.retried,
    syncRetried: storm.syncRetried,
    refusals: storm.refusals,
    ...extra,
  };
}

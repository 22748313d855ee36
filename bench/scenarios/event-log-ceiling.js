// Scenario 10, "event-log ceiling": events committed, sequenced and delivered per second with 1, 2 and 4
// Redis-backed instances on one database, many writers, each into a conversation of its own (so no
// conversation's row lock bounds anything). Baseline: the same writers doing the send's message + event
// inserts with raw pg and no sequencer at all. Every instance is pinned to the one server core, like every
// other server of the bench: this measures what the sequencer's advisory lock costs as instances are
// added, not multi-core scaling.
//
// How an event gets out (src/events, src/realtime/event-delivery.service.ts): the send's transaction
// inserts its `chat_event` row with no position; after commit the writer `kick()`s its instance's
// sequencer, which in a transaction of its own takes `pg_try_advisory_xact_lock` and gives up to 500
// unsequenced rows their positions (an instance that loses the lock looks again 10 ms later); the
// winner delivers the batch to its sockets and publishes it on Redis for the other instances to deliver.
//
// The writers are REST sends (one keep-alive connection per writer, one send at a time); the baseline's
// writers run only the message insert (seq bump in a CTE, as insertNext) and the event insert (the same
// JSON) in one transaction: the app's transaction also stamps the membership, brings the conversation
// back for members who archived it and drops the sender's draft, and answers over HTTP, so the ratio
// prices the whole send path, while the sequencer's own share shows in the backlog, the lag and the
// raw ceiling of its SQL measured at the end.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { QUICK, SERVER_CPU, log, nowMs, sleep } from '../lib/common.js';
import { createDatabase, databaseUrlFor, dropDatabase, Seeder } from '../lib/db.js';
import { collectFleet, measureFleet, SocketWorker, stopFleet } from '../lib/fleet.js';
import { SECONDS, abba, bearer, higher, lower, med, summarize, warm } from '../lib/rounds.js';
import { startApp } from '../lib/servers.js';
import { TAKE_NEXT_SEQ_SQL } from '../../dist/src/memberships/conversations.repository.js';

const INSTANCE_COUNTS = [1, 2, 4];
/** Writers: one HTTP connection each, each sending into its own conversation, spread over the instances. */
const WRITERS = 64;
/** The server's batch (src/events/event-log.service.ts BATCH_SIZE) and its advisory lock (event-log.repository.ts). */
const BATCH_SIZE = 500;
const SEQUENCER_LOCK = 0x63686174;
const RETRY_DELAY_MS = 10;
/** Unsequenced rows the raw sequencer drains per measurement. */
const BACKLOG = QUICK ? 10_000 : 50_000;
/** Writers run this long before a round's window opens, so the window sees the pipeline full. */
const RAMP_SECONDS = QUICK ? 1 : 2;
const CONTENT_PADDING = ' an event-log benchmark message of ordinary length.';
const STAGES = 'chat_event_delivery_stage_seconds';
const DELIVERY = 'chat_event_delivery_seconds';

/**
 * Connections per instance, the same at every count (the job queue at its minimum of 2 besides): the
 * machine's PostgreSQL allows 100 connections, shared with the main candidate, the baselines and whatever
 * else runs on the machine, and four instances at the default 10 (+4) would take most of them.
 */
const POOL = 6;
const RAW_POOL = 10;

// The statements of the send's transaction that write the message and its event (MessagesRepository.insertNext
// and EventLogRepository.append), and the sequencer's (EventLogRepository.sequenceBatch), verbatim in effect.
const RAW_INSERT_MESSAGE = `WITH c AS (
         ${TAKE_NEXT_SEQ_SQL}
       )
       INSERT INTO message (conversation_id, seq, sender_id, content, reply_to_id, client_message_id, created_at, thread_root_id, also_to_conversation,
                            forwarded_from)
       SELECT $1, c.last_seq, $2, $3, NULL, $4, c.last_message_at, NULL, true, NULL FROM c
       ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING
       RETURNING *`;
const RAW_INSERT_EVENT = `INSERT INTO chat_event (type, conversation_id, user_id, message_id, data) VALUES ('message.created', $1, NULL, $2, $3::jsonb) RETURNING id`;
const SEQUENCE_BATCH = `UPDATE chat_event e SET position = s.position
           FROM (SELECT id, nextval('chat_event_position_seq') AS position
                   FROM (SELECT id FROM chat_event WHERE position IS NULL ORDER BY id LIMIT $1) pending) s
          WHERE e.id = s.id
      RETURNING e.position, e.type, e.conversation_id, e.user_id, e.data, e.created_at`;

export async function eventLogCeiling(context) {
  const { settings } = context;
  // Databases of their own (as scenario 7): the main instance has no Redis and would sequence and deliver
  // these events itself; the baseline's unsequenced rows must not meet any sequencer.
  const names = { app: `${settings.databaseName}_evlog`, raw: `${settings.databaseName}_evlog_raw` };
  const appSettings = { ...settings, databaseUrl: databaseUrlFor(settings.adminUrl, names.app) };
  const rawUrl = databaseUrlFor(settings.adminUrl, names.raw);
  // One start migrates the baseline's database (nothing runs there afterwards but the raw writers); the
  // instances' database is a copy of it, made while nothing is connected.
  await createDatabase(settings.adminUrl, names.raw);
  context.cleanups.push(() => dropDatabase(settings.adminUrl, names.raw));
  const migrator = await startApp('app-evlog-migrate', { ...settings, databaseUrl: rawUrl }, { JOBS_POOL_SIZE: '2', DATABASE_POOL_SIZE: '2' });
  await migrator.stop();
  await copyDatabase(settings.adminUrl, names.raw, names.app);
  context.cleanups.push(() => dropDatabase(settings.adminUrl, names.app));

  const appSeeder = new Seeder(appSettings.databaseUrl, settings.jwtSecret);
  const rawSeeder = new Seeder(rawUrl, settings.jwtSecret);
  const appWriters = await seedWriters(appSeeder);
  const rawWriters = await seedWriters(rawSeeder);
  await appSeeder.close();
  await rawSeeder.close();
  log(`  ${WRITERS} writers, each with a conversation of its own and one receiver; servers all on core ${SERVER_CPU}`);

  const probe = new pg.Pool({ connectionString: appSettings.databaseUrl, max: 2 });
  const rawPool = new pg.Pool({ connectionString: rawUrl, max: RAW_POOL });
  const env = { REDIS_URL: settings.redisUrl, DATABASE_POOL_SIZE: String(POOL), JOBS_POOL_SIZE: '2' };
  const metrics = [];
  const details = { writers: WRITERS, serverCpu: SERVER_CPU, rawPool: RAW_POOL, perInstances: {} };
  try {
    const baseline = (duration = SECONDS) => rawRound(rawPool, rawWriters, duration);
    const curve = {};
    // Instances are added as the count grows (1, then a second, then two more): none starts twice.
    const servers = [];
    try {
      for (const instances of INSTANCE_COUNTS) {
        while (servers.length < instances) servers.push(await startApp(`app-evlog-${servers.length + 1}`, appSettings, env));
        curve[instances] = await measureInstances(servers, appWriters, probe, baseline);
        details.perInstances[instances] = curve[instances].details;
      }
    } finally {
      for (const server of servers) await server.stop();
    }
    const drain = await drainCeiling(rawPool);
    details.sequencerSql = drain;

    const one = curve[1].figures;
    for (const instances of INSTANCE_COUNTS) {
      const { figures } = curve[instances];
      const label = `event log, ${instances} instance${instances > 1 ? 's' : ''}`;
      metrics.push(higher(`${label}: committed msgs/s vs raw pg (message + event, no sequencer)`, 'msgs/s', figures.committed, figures.rawCommitted));
      metrics.push(higher(`  (info) ${label}: events sequenced/s vs committed/s, during the round`, 'events/s', figures.sequenced, figures.committed));
      // The sequencer keeps up while what it finds waiting is less than one batch: saturated, it would take
      // full batches of 500 back to back and the rows left unsequenced would grow through the round.
      const backlog = lower(
        `${label}: events unsequenced at the round's end vs one batch (500)`,
        'events',
        figures.backlog,
        BATCH_SIZE,
        instances === 4 ? 1 : undefined,
      );
      metrics.push(backlog);
      metrics.push(higher(`  (info) ${label}: delivered/s vs committed msgs/s, during the round`, 'deliveries/s', figures.delivered, figures.committed));
      metrics.push({
        label: `  (info) ${label}: share of the round's events delivered (each once) once it settled`,
        unit: 'share',
        candidate: figures.deliveredShare,
        baseline: 1,
        ratio: figures.deliveredShare,
      });
      metrics.push(lower(`  (info) ${label}: commit→positioned mean (to_sequencer + sequencer) vs 1 instance`, 'ms', figures.lagMean, one.lagMean));
      metrics.push(lower(`  (info) ${label}: commit→emit p99 (${DELIVERY}, bucket edge) vs 1 instance`, 'ms', figures.deliveryP99, one.deliveryP99));
      if (instances > 1) metrics.push(higher(`  (info) ${label}: committed msgs/s vs 1 instance`, 'msgs/s', figures.committed, one.committed));
    }
    const four = curve[4].figures;
    metrics.push(higher('  (info) sequencer SQL ceiling (raw, batches of 500): 4 contending drainers vs 1', 'events/s', drain.four, drain.one));
    metrics.push(higher('  (info) sequencer headroom at 4 instances: its SQL ceiling vs events committed/s', 'events/s', drain.four, four.committed));
    details.verdict = verdict(four, drain);
    details.note =
      'Every instance is pinned to the one server core (taskset, like every server of the bench) and PostgreSQL runs unpinned on both cores: ' +
      'this measures the contention of the sequencer (one advisory lock, one transaction per batch, Redis fan-out of each batch) as instances ' +
      'are added, not multi-core scaling.';
    log(`  ${details.verdict}`);
    return { metrics, details };
  } finally {
    await probe.end();
    await rawPool.end();
  }
}

async function copyDatabase(adminUrl, from, to) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${to}" TEMPLATE "${from}"`);
  } finally {
    await client.end();
  }
}

/** WRITERS senders, each with a peer (its receiver) in a group of their own. */
async function seedWriters(seeder) {
  const senders = await seeder.users('evlog_sender', WRITERS);
  const peers = await seeder.users('evlog_peer', WRITERS);
  for (const [index, sender] of senders.entries()) {
    sender.conversationId = await seeder.group(`Event log ${index}`, [sender.id, peers[index].id]);
    sender.peer = peers[index];
  }
  await seeder.analyze();
  return senders;
}

/** Connects the receivers over these instances, warms up and runs the A B B A A B rounds. */
async function measureInstances(servers, writers, probe, baseline) {
  const instances = servers.length;
  const receivers = [];
  try {
    // Writer i sends through instance i mod N; its receiver sits on the next instance, so with more than one
    // instance every delivery crosses Redis, as it does for most members of a real deployment.
    const shares = servers.map((_, index) => writers.filter((_, at) => at % instances === index));
    for (const [index, server] of servers.entries()) {
      const worker = new SocketWorker(`evlog-${instances}-recv`);
      receivers.push(worker);
      const specs = writers
        .filter((_, at) => (at + 1) % instances === index)
        .map((writer) => ({ token: writer.peer.token, rooms: [writer.conversationId], conversationId: writer.conversationId }));
      const connected = await worker.call('connect', { url: server.url, specs, concurrency: 16 });
      if (connected.failed) throw new Error(`${connected.failed} receivers failed to connect to instance ${index + 1}: ${connected.firstError}`);
    }
    log(`  ${instances} instance${instances > 1 ? 's' : ''} up (${POOL} connections each), ${writers.length} receivers connected`);
    const candidate = (duration = SECONDS) => appRound(servers, shares, receivers, probe, duration);
    await warm(candidate);
    await warm(baseline);
    const rounds = await abba(`event log × ${instances}`, candidate, baseline);
    const figures = {
      committed: med(rounds.A, 'committedPerSecond'),
      answered: med(rounds.A, 'answeredPerSecond'),
      sequenced: med(rounds.A, 'sequencedPerSecond'),
      delivered: med(rounds.A, 'deliveredPerSecond'),
      backlog: med(rounds.A, 'backlogAtEnd'),
      drainedMs: med(rounds.A, 'drainedMs'),
      deliveredShare: med(rounds.A, 'deliveredShare'),
      lagMean: med(rounds.A, 'toPositionedMeanMs'),
      lagP99: med(rounds.A, 'toSequencerP99Ms'),
      deliveryP99: med(rounds.A, 'commitToEmitP99Ms'),
      serverCoreBusy: med(rounds.A, 'serverCoreBusy'),
      instancesCpu: med(rounds.A, 'instancesCpu'),
      postgresCpu: med(rounds.A, 'postgresCpu'),
      rawCommitted: med(rounds.B, 'committedPerSecond'),
      rawPostgresCpu: med(rounds.B, 'postgresCpu'),
      rawServerCoreBusy: med(rounds.B, 'serverCoreBusy'),
    };
    return { figures, details: { connectionsPerInstance: POOL, figures, rounds: { A: rounds.A, B: rounds.B } } };
  } finally {
    await stopFleet(receivers);
  }
}

/**
 * One writer: REST sends one after the other into its own conversation, each with a fresh clientMessageId,
 * until `state.stop`; counts the answers (those inside the window apart). Plain keep-alive HTTP rather
 * than autocannon, so a round stops by letting every send in flight finish: then each committed message
 * has been answered and counted, and nothing commits after the count.
 */
async function writeLoop(url, agent, writer, state) {
  const target = new URL(`/api/v1/conversations/${writer.conversationId}/messages`, url);
  const headers = { 'content-type': 'application/json', ...bearer(writer.token) };
  while (!state.stop) {
    // The receivers time send→receive from the clock written here (bench/workers/sockets.js).
    const body = JSON.stringify({ clientMessageId: randomUUID(), content: `bench:${nowMs()}${CONTENT_PADDING}` });
    const { status, text } = await post(target, agent, headers, body);
    if (status === 201 || status === 200) {
      state.answered++;
      if (state.window) state.inWindow++;
    } else {
      state.failed++;
      state.firstError ??= `${status} ${text.slice(0, 200)}`;
    }
  }
}

function post(url, agent, headers, body) {
  return new Promise((resolve) => {
    const request = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text }));
      response.on('error', (error) => resolve({ status: 0, text: error.message }));
    });
    request.on('error', (error) => resolve({ status: 0, text: error.message }));
    request.end(body);
  });
}

/**
 * One candidate round: every instance takes its share of the writers at once. It starts once the last
 * round's events are sequenced and delivered. Its rates are taken over `duration` seconds once the
 * pipeline is full (after the ramp, and after the first delivery reached a receiver); then the writers
 * stop, every send in flight is answered, and the share of the round's events that reached a receiver
 * is counted once everything is sequenced and delivered.
 */
async function appRound(servers, shares, receivers, probe, duration) {
  await settled(probe);
  await quiet(receivers);
  const first = (await probe.query(`SELECT coalesce(max(id), 0) AS id FROM chat_event`)).rows[0].id;
  await measureFleet(receivers, true);
  const state = { stop: false, window: false, answered: 0, inWindow: 0, failed: 0, firstError: undefined };
  const agents = servers.map(() => new Agent({ keepAlive: true }));
  const running = Promise.all(servers.flatMap((server, index) => shares[index].map((one) => writeLoop(server.url, agents[index], one, state))));
  const started = performance.now();
  await sleep(RAMP_SECONDS * 1000);
  while ((await collectFleet(receivers)).delivered === 0 && performance.now() - started < 10_000) await sleep(50);
  const rampMs = performance.now() - started;
  const [before, deliveredBefore] = await Promise.all([snapshot(servers, probe), collectFleet(receivers)]);
  state.window = true;
  await sleep(duration * 1000);
  state.window = false;
  const [atEnd, deliveredAtEnd] = await Promise.all([snapshot(servers, probe, before), collectFleet(receivers)]);
  state.stop = true;
  await running;
  for (const agent of agents) agent.destroy();
  if (state.failed > state.answered * 0.01) throw new Error(`event log: ${state.failed} sends failed (${state.firstError})`);
  const drainedMs = await settled(probe);
  // Every send was answered, so every event of the round is committed; and now sequenced.
  const { rows } = await probe.query(`SELECT count(*)::int AS events FROM chat_event WHERE id > $1`, [first]);
  const deliveredInAll = await settledDeliveries(receivers, rows[0].events);
  const { latency } = await collectFleet(receivers);
  const after = await scrape(servers);
  const stages = (stage) => histogramDelta(before.metrics, after, STAGES, (labels) => labels.stage === stage);
  const toSequencer = stages('to_sequencer');
  const sequencer = stages('sequencer');
  const commitToEmit = histogramDelta(before.metrics, after, DELIVERY, (labels) => labels.type === 'message.created');
  return {
    committedPerSecond: atEnd.committedEvents / atEnd.seconds,
    answeredPerSecond: state.inWindow / atEnd.seconds,
    sequencedPerSecond: atEnd.sequenced / atEnd.seconds,
    deliveredPerSecond: (deliveredAtEnd.delivered - deliveredBefore.delivered) / atEnd.seconds,
    deliveredShare: deliveredInAll / rows[0].events,
    rampMs,
    backlogAtEnd: atEnd.backlog,
    drainedMs,
    toPositionedMeanMs: (mean(toSequencer) + mean(sequencer)) * 1000,
    toSequencerP99Ms: bucketPercentile(toSequencer, 99) * 1000,
    sequencerTxMeanMs: mean(sequencer) * 1000,
    commitToEmitP99Ms: bucketPercentile(commitToEmit, 99) * 1000,
    sendToReceiveP50Ms: latency.percentile(50),
    sendToReceiveP99Ms: latency.percentile(99),
    serverCoreBusy: atEnd.serverCoreBusy,
    instancesCpu: atEnd.instancesCpu,
    postgresCpu: atEnd.postgresCpu,
  };
}

/** Waits until the receivers' count (of the last round) has not moved for 500 ms, at most 10 s. */
async function quiet(receivers) {
  const started = performance.now();
  let last = -1;
  let stableSince = started;
  while (performance.now() - started < 10_000) {
    const { delivered } = await collectFleet(receivers);
    if (delivered !== last) {
      last = delivered;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 500) return;
    await sleep(50);
  }
}

/** Waits (at most 10 s) until no committed event is left unsequenced; answers how long that took (ms). */
async function settled(probe) {
  const started = performance.now();
  while (performance.now() - started < 10_000) {
    const { rows } = await probe.query(`SELECT count(*)::int AS pending FROM chat_event WHERE position IS NULL`);
    if (!rows[0].pending) break;
    await sleep(20);
  }
  return performance.now() - started;
}

/** The receivers' count once it reaches `expected`, or has not moved for 2 s (at most 15 s). */
async function settledDeliveries(receivers, expected) {
  const started = performance.now();
  let last = -1;
  let stableSince = started;
  for (;;) {
    const { delivered } = await collectFleet(receivers);
    const now = performance.now();
    if (delivered !== last) {
      last = delivered;
      stableSince = now;
    }
    if (delivered >= expected || now - stableSince >= 2000 || now - started >= 15_000) return delivered;
    await sleep(50);
  }
}

/** One baseline round: the same writers, each a loop of BEGIN, message insert, event insert, COMMIT; nothing sequences. */
async function rawRound(pool, writers, duration) {
  // The same ramp as the candidate's rounds: commits are counted in the window after it.
  const opens = performance.now() + RAMP_SECONDS * 1000;
  const deadline = opens + duration * 1000;
  let committed = 0;
  let cpuBefore;
  const window = sleep(RAMP_SECONDS * 1000).then(async () => {
    cpuBefore = { core: coreTicks(), postgres: await postgresTicks(pool), at: performance.now() };
  });
  const loop = async (writer) => {
    while (performance.now() < deadline) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const clientMessageId = randomUUID();
        const content = `bench:${nowMs()}${CONTENT_PADDING}`;
        const { rows } = await client.query(RAW_INSERT_MESSAGE, [writer.conversationId, writer.id, content, clientMessageId]);
        await client.query(RAW_INSERT_EVENT, [writer.conversationId, rows[0].id, JSON.stringify(messageData(rows[0], writer))]);
        await client.query('COMMIT');
        const now = performance.now();
        if (now >= opens && now < deadline) committed++;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
  };
  await Promise.all([window, ...writers.map(loop)]);
  const seconds = (performance.now() - cpuBefore.at) / 1000;
  return {
    committedPerSecond: committed / duration,
    serverCoreBusy: busyFraction(cpuBefore.core, coreTicks()),
    postgresCpu: ticksPerSecond(cpuBefore.postgres, await postgresTicks(pool), seconds),
  };
}

/** The event's data as the send builds it (toMessageData of src/messages/message.mapper.ts), for a text message. */
function messageData(row, writer) {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    sender: { id: writer.id, username: 'evlog_sender', displayName: 'Bench evlog_sender', avatarUrl: null, isBot: false },
    content: row.content,
    attachments: [],
    replyToId: null,
    clientMessageId: row.client_message_id,
    reactions: [],
    status: 'sent',
    createdAt: row.created_at.toISOString(),
    editedAt: null,
    deletedAt: null,
    threadRootId: null,
    alsoToConversation: true,
    replyCount: 0,
    lastReplyAt: null,
    threadParticipantIds: [],
    mentions: [],
    pinnedAt: null,
    forwardedFrom: null,
    metadata: {},
    preview: null,
  };
}

/**
 * The raw ceiling of the sequencer's SQL: a backlog of unsequenced rows drained by the server's own
 * statement in batches of 500 under the advisory lock, by one drainer and by four contending ones (a loser
 * waits 10 ms, as an instance does). Measured on the baseline's database, where nothing else sequences.
 */
async function drainCeiling(pool) {
  await drain(pool, 1); // what the baseline rounds left unsequenced
  const runs = { one: [], four: [] };
  for (const drainers of [1, 4, 4, 1]) {
    await pool.query(
      `INSERT INTO chat_event (type, conversation_id, user_id, message_id, data)
       SELECT t.type, t.conversation_id, t.user_id, t.message_id, t.data
         FROM (SELECT * FROM chat_event ORDER BY id DESC LIMIT 1) t, generate_series(1, $1)`,
      [BACKLOG],
    );
    const result = await drain(pool, drainers);
    runs[drainers === 1 ? 'one' : 'four'].push(result);
    log(`  sequencer SQL, ${drainers} drainer${drainers > 1 ? 's' : ''}: ${summarize(result)}`);
  }
  return { backlog: BACKLOG, one: med(runs.one, 'eventsPerSecond'), four: med(runs.four, 'eventsPerSecond'), runs };
}

async function drain(pool, drainers) {
  const started = performance.now();
  let done = false;
  let sequenced = 0;
  let batches = 0;
  let lockMisses = 0;
  const drainer = async () => {
    while (!done) {
      const client = await pool.connect();
      let rows = null;
      try {
        await client.query('BEGIN');
        const lock = await client.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEQUENCER_LOCK]);
        if (lock.rows[0].locked) rows = (await client.query(SEQUENCE_BATCH, [BATCH_SIZE])).rows;
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      if (rows === null) {
        lockMisses++;
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      batches++;
      sequenced += rows.length;
      if (rows.length < BATCH_SIZE) done = true;
    }
  };
  await Promise.all(Array.from({ length: drainers }, drainer));
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerSecond: sequenced / seconds, sequenced, batches, lockMisses, seconds };
}

/** Database counts (relative to `before`), CPU and every instance's metrics. */
async function snapshot(servers, probe, before) {
  const [{ rows }, metrics, postgres] = await Promise.all([
    probe.query(
      before
        ? `SELECT count(*) FILTER (WHERE id > $1)::int AS committed,
                  count(*) FILTER (WHERE id > $1 AND position IS NULL)::int AS backlog,
                  count(*) FILTER (WHERE position > $2)::int AS sequenced
             FROM chat_event WHERE id > $1 OR position > $2`
        : `SELECT coalesce(max(id), 0) AS id, coalesce(max(position), 0) AS position FROM chat_event`,
      before ? [before.id, before.position] : [],
    ),
    before ? null : scrape(servers),
    postgresTicks(probe),
  ]);
  const at = performance.now();
  const core = coreTicks();
  const instances = servers.reduce((sum, server) => sum + processTicks(server.pid), 0);
  if (!before) return { id: rows[0].id, position: rows[0].position, metrics, at, core, instances, postgres };
  const seconds = (at - before.at) / 1000;
  return {
    seconds,
    committedEvents: rows[0].committed,
    backlog: rows[0].backlog,
    sequenced: rows[0].sequenced,
    serverCoreBusy: busyFraction(before.core, core),
    instancesCpu: (instances - before.instances) / CLOCK_TICKS / seconds,
    postgresCpu: ticksPerSecond(before.postgres, postgres, seconds),
  };
}

// CPU from /proc: the server core's busy share, the instances' and PostgreSQL's CPU-seconds per second.
const CLOCK_TICKS = 100;

function coreTicks() {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`cpu${SERVER_CPU} `));
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

const busyFraction = (before, after) => (after.busy - before.busy) / Math.max(1, after.total - before.total);

function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Ticks of the backends connected to this pool's database, by pid (a backend that ended is dropped). */
async function postgresTicks(pool) {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  return new Map(rows.map((row) => [row.pid, processTicks(row.pid)]));
}

function ticksPerSecond(before, after, seconds) {
  let ticks = 0;
  for (const [pid, value] of after) ticks += value - (before.get(pid) ?? 0);
  return ticks / CLOCK_TICKS / seconds;
}

// Prometheus: histograms read from each instance's /metrics before and after a round, merged.
async function scrape(servers) {
  return Promise.all(servers.map(async (server) => (await fetch(`${server.url}/metrics`)).text()));
}

/** Buckets (le → cumulative count), sum and count of the series of `name` matching `where`, summed over instances. */
function histogram(texts, name, where) {
  const result = { buckets: new Map(), sum: 0, count: 0 };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const match = /^(\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
      if (!where(labels)) continue;
      const value = Number(match[3]);
      if (match[1] === `${name}_bucket`) result.buckets.set(labels.le, (result.buckets.get(labels.le) ?? 0) + value);
      else if (match[1] === `${name}_sum`) result.sum += value;
      else if (match[1] === `${name}_count`) result.count += value;
    }
  }
  return result;
}

function histogramDelta(beforeTexts, afterTexts, name, where) {
  const before = histogram(beforeTexts, name, where);
  const after = histogram(afterTexts, name, where);
  const buckets = new Map([...after.buckets].map(([le, count]) => [le, count - (before.buckets.get(le) ?? 0)]));
  return { buckets, sum: after.sum - before.sum, count: after.count - before.count };
}

const mean = (delta) => (delta.count ? delta.sum / delta.count : NaN);

/** The upper edge of the bucket holding the p-th percentile (Infinity past the last edge). */
function bucketPercentile(delta, p) {
  if (!delta.count) return NaN;
  const wanted = (p / 100) * delta.count;
  const edges = [...delta.buckets].map(([le, count]) => [le === '+Inf' ? Infinity : Number(le), count]).sort((a, b) => a[0] - b[0]);
  return edges.find(([, count]) => count >= wanted)?.[0] ?? Infinity;
}

/** What saturated first at four instances, from the figures. */
function verdict(four, drain) {
  const keptUp = four.backlog <= BATCH_SIZE;
  const percent = (value) => `${Math.round(value * 100)} %`;
  const core =
    `the server core was ${percent(four.serverCoreBusy)} busy, of which the 4 instances ${percent(four.instancesCpu)} ` +
    `(PostgreSQL's backends ${four.postgresCpu.toFixed(2)} CPU-s/s on either core)`;
  const sequencer =
    `${Math.round(four.backlog)} events unsequenced at the round's end (one batch is ${BATCH_SIZE}), all sequenced ${Math.round(four.drainedMs)} ms after the writers stopped, ` +
    `commit→positioned ${four.lagMean.toFixed(1)} ms mean, deliveries ${four.deliveredShare.toFixed(2)}× of the round's events; ` +
    `the sequencer's SQL alone drains ${Math.round(drain.four).toLocaleString('en-US')} events/s with 4 contending drainers, ` +
    `${(drain.four / four.committed).toFixed(0)}× the committed rate`;
  const shared =
    four.rawServerCoreBusy >= 0.3
      ? ` The server core was ${percent(four.rawServerCoreBusy)} busy during the baseline rounds too, when only PostgreSQL (unpinned) and the machine's other work ran there: on a shared machine the absolute figures are low.`
      : '';
  return `${verdictLine(keptUp, four, core, sequencer)}${shared}`;
}

function verdictLine(keptUp, four, core, sequencer) {
  if (keptUp && four.serverCoreBusy >= 0.9)
    return `At 4 instances ${core} while the sequencer kept up (${sequencer}): the core saturates first, not the sequencer.`;
  if (keptUp)
    return `At 4 instances the sequencer kept up (${sequencer}) and ${core}: the writers' path (requests, commits) bounds the rate, not the sequencer.`;
  return `At 4 instances the sequencer fell behind (${sequencer}) while ${core}: the sequencer saturates first.`;
}

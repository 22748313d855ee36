// A load process for the reconnect storm (scenario 11), driven by its parent over IPC. As part of the
// fleet it holds many sockets, each with its user's /sync cursor, and on `storm` drops them all at once and
// reconnects them all at once, each catching up with GET /api/v1/sync?since=<cursor> until hasMore is
// false and checking it got the messages it missed. As the probe it holds one pair of users of the app
// and sends between them at a paced rate, timing send → receive, until told to stop.
import { randomUUID } from 'node:crypto';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { Histogram } from '../lib/histogram.js';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SYNC_LIMIT = 500; // what the client kit asks for
/** A client keeps trying this long before the bench calls it lost (a real one never stops). */
const GIVE_UP_MS = 120_000;

/** The client kit's reconnection backoff: 500 ms doubling up to 10 s, ±25 % jitter. */
const backoff = (attempt) => Math.min(10_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);

/** Fleet: { spec, socket, cursor } per user. */
let members = [];

function openSocket(url, spec) {
  return new Promise((resolve) => {
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 60_000,
      auth: { token: spec.token, rooms: spec.rooms ?? [] },
    });
    socket.once('connect', () => resolve({ socket, ok: true }));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ socket, ok: false, error: error.data?.code ?? error.message });
    });
  });
}

/** A handshake, tried again with the client kit's backoff when refused or timed out, for up to GIVE_UP_MS. */
async function handshake(url, spec, stats) {
  const deadline = now() + GIVE_UP_MS;
  for (let attempt = 1; ; attempt++) {
    const result = await openSocket(url, spec);
    if (result.ok) return result.socket;
    stats.firstError ??= `handshake: ${result.error}`;
    stats.refusals[result.error] = (stats.refusals[result.error] ?? 0) + 1;
    if (now() > deadline) return null;
    stats.retried++;
    await sleep(backoff(attempt));
  }
}

/** One GET of /api/v1/sync; 429, 5xx and network errors are tried again after `retry-after` or the backoff. */
async function syncPage(apiUrl, token, since, stats) {
  const query = since === undefined ? '' : `?since=${encodeURIComponent(since)}&limit=${SYNC_LIMIT}`;
  const deadline = now() + GIVE_UP_MS;
  for (let attempt = 1; ; attempt++) {
    const started = now();
    let response;
    try {
      response = await fetch(`${apiUrl}/api/v1/sync${query}`, { headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      if (now() > deadline) throw new Error(`sync: ${error.cause?.message ?? error.message}`, { cause: error });
      stats.syncRetried++;
      stats.refusals['sync network error'] = (stats.refusals['sync network error'] ?? 0) + 1;
      await sleep(backoff(attempt));
      continue;
    }
    if (response.ok) {
      const page = await response.json();
      stats.syncLatency?.record(now() - started);
      stats.pages++;
      return page;
    }
    const body = await response.text();
    if ((response.status === 429 || response.status >= 500) && now() < deadline) {
      stats.syncRetried++;
      stats.refusals[`sync ${response.status}`] = (stats.refusals[`sync ${response.status}`] ?? 0) + 1;
      stats.firstError ??= `sync answered ${response.status}: ${body.slice(0, 120)}`;
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(retryAfter ? retryAfter * 1000 : backoff(attempt));
      continue;
    }
    throw new Error(`sync answered ${response.status}: ${body.slice(0, 200)}`);
  }
}

/** `count` lanes working through `items` one at a time each. */
async function lanes(items, count, fn) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(count, items.length) }, lane));
}

const newStats = () => ({ retried: 0, syncRetried: 0, pages: 0, refusals: {}, firstError: undefined });

/** Connects the fleet; with `apiUrl`, each socket then takes its user's current cursor from /sync. */
async function connect({ url, apiUrl, specs, concurrency = 100, nice = 0 }) {
  // The fleet yields the load core to the probe, so the probe's timings stay the server's, not the load's.
  if (nice) setPriority(nice);
  const started = now();
  const stats = newStats();
  let failed = 0;
  await lanes(specs, concurrency, async (spec) => {
    const socket = await handshake(url, spec, stats);
    if (!socket) {
      failed++;
      return;
    }
    const member = { spec, socket, cursor: null };
    if (apiUrl) member.cursor = (await syncPage(apiUrl, spec.token, undefined, stats)).cursor;
    members.push(member);
  });
  return { connected: members.length, failed, retried: stats.retried, firstError: stats.firstError, ms: now() - started };
}

/**
 * The storm: every socket drops at once, then all reconnect at once (`concurrency` handshakes in flight)
 * and, with `apiUrl`, each reads /sync from its cursor until hasMore is false, checking that every message
 * of `expected[conversationId]` (client message ids) came back. Times are wall clock (comparable across
 * processes): `startedAt` the drop, `connectedAt` the last handshake, `doneAt` the last socket caught up.
 */
async function storm({ url, apiUrl, concurrency, expected = {} }) {
  const stats = { ...newStats(), syncLatency: new Histogram() };
  const handshakeLatency = new Histogram();
  const catchUpLatency = new Histogram();
  let reconnected = 0;
  let caughtUp = 0;
  let events = 0;
  let connectedAt = 0;
  let doneAt = 0;
  let firstMiss;
  const startedAt = now();
  for (const member of members) member.socket.close();
  await lanes(members, concurrency, async (member) => {
    const started = now();
    const socket = await handshake(url, member.spec, stats);
    if (!socket) return;
    member.socket = socket;
    reconnected++;
    connectedAt = Math.max(connectedAt, now());
    handshakeLatency.record(now() - started);
    if (!apiUrl) return;
    const missing = new Set(expected[member.spec.conversationId] ?? []);
    const syncStarted = now();
    try {
      for (let page; !page || page.hasMore;) {
        page = await syncPage(apiUrl, member.spec.token, member.cursor, stats);
        if (page.resyncRequired) throw new Error(`resyncRequired from cursor ${member.cursor}`);
        for (const event of page.events) {
          events++;
          if (event.type === 'message.created') missing.delete(event.data?.clientMessageId);
        }
        member.cursor = page.cursor;
      }
    } catch (error) {
      stats.firstError ??= error.message;
      return;
    }
    if (missing.size) {
      firstMiss ??= `${member.spec.userId} missed ${missing.size} of ${expected[member.spec.conversationId].length} messages`;
      return;
    }
    caughtUp++;
    doneAt = Math.max(doneAt, now());
    catchUpLatency.record(now() - syncStarted);
  });
  return {
    sockets: members.length,
    reconnected,
    caughtUp: apiUrl ? caughtUp : reconnected,
    events,
    pages: stats.pages,
    retried: stats.retried,
    syncRetried: stats.syncRetried,
    refusals: stats.refusals,
    firstError: stats.firstError ?? firstMiss,
    startedAt,
    connectedAt,
    doneAt: apiUrl ? doneAt : connectedAt,
    handshake: handshakeLatency.toSparse(),
    sync: stats.syncLatency.toSparse(),
    catchUp: catchUpLatency.toSparse(),
  };
}

// The probe ────────────────────────────────────────────────────────────────────────────────────────────
const probe = { senders: [], receiver: null, running: null, latency: new Histogram(), delivered: 0, pendingIds: new Map() };
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

/** The probe's sockets: `senders` of one user (the server allows 30 events/s per socket) and one receiver. */
async function probeConnect({ url, senderSpecs, receiverSpec }) {
  const stats = newStats();
  for (const spec of senderSpecs) {
    const socket = await handshake(url, spec, stats);
    if (!socket) throw new Error(`probe sender: ${stats.firstError}`);
    socket.conversationId = spec.conversationId;
    probe.senders.push(socket);
  }
  probe.receiver = await handshake(url, receiverSpec, stats);
  if (!probe.receiver) throw new Error(`probe receiver: ${stats.firstError}`);
  probe.receiver.on('message.created', (message) => {
    const sentAt = probe.pendingIds.get(message?.clientMessageId);
    if (sentAt === undefined) return;
    probe.pendingIds.delete(message.clientMessageId);
    probe.delivered++;
    probe.latency.record(now() - sentAt);
  });
  return { connected: probe.senders.length + 1 };
}

/** Starts sending `rate` messages/s, round robin over the sender sockets, until `probeStop`. */
async function probeStart({ rate }) {
  probe.latency = new Histogram();
  probe.delivered = 0;
  probe.pendingIds.clear();
  const ack = new Histogram();
  const state = { stop: false, sent: 0, acked: 0, failed: 0, firstError: undefined, ack, pending: new Set() };
  loopDelay.reset();
  loopDelay.enable();
  state.done = (async () => {
    const started = now();
    while (!state.stop) {
      const due = Math.floor(((now() - started) * rate) / 1000) + 1;
      while (state.sent < due) {
        const socket = probe.senders[state.sent++ % probe.senders.length];
        const clientMessageId = randomUUID();
        const sentAt = now();
        probe.pendingIds.set(clientMessageId, sentAt);
        const promise = socket
          .timeout(30_000)
          .emitWithAck('message.send', { conversationId: socket.conversationId, clientMessageId, content: `probe ${sentAt}` })
          .then(
            (answer) => {
              if (answer?.ok) {
                state.acked++;
                ack.record(now() - sentAt);
              } else {
                probe.pendingIds.delete(clientMessageId);
                state.failed++;
                state.firstError ??= answer?.error?.code;
              }
            },
            (error) => {
              probe.pendingIds.delete(clientMessageId);
              state.failed++;
              state.firstError ??= error.message;
            },
          )
          .finally(() => state.pending.delete(promise));
        state.pending.add(promise);
      }
      await sleep(Math.max(1, Math.min(10, 1000 / rate)));
    }
  })();
  probe.running = state;
  return {};
}

/** Stops sending, waits for the acks and (up to 10 s) the deliveries; answers the figures. */
async function probeStop() {
  const state = probe.running;
  state.stop = true;
  await state.done;
  await Promise.all(state.pending);
  const deadline = now() + 10_000;
  while (probe.pendingIds.size && now() < deadline) await sleep(20);
  loopDelay.disable();
  probe.running = null;
  return {
    sent: state.sent,
    acked: state.acked,
    failed: state.failed,
    firstError: state.firstError,
    delivered: probe.delivered,
    // Acknowledged but never received.
    undelivered: probe.pendingIds.size,
    latency: probe.latency.toSparse(),
    ack: state.ack.toSparse(),
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
}

const handlers = {
  connect,
  storm,
  probeConnect,
  probeStart,
  probeStop,
  disconnect: async () => {
    for (const member of members) member.socket.close();
    for (const socket of [...probe.senders, probe.receiver].filter(Boolean)) socket.close();
    const closed = members.length;
    members = [];
    probe.senders = [];
    probe.receiver = null;
    return { closed };
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    process.send({ id, result: await handlers[command](args ?? {}) });
  } catch (error) {
    process.send({ id, error: error.stack ?? String(error) });
  }
});
process.on('disconnect', () => process.exit(0));

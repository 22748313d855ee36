// A day of chat for scenario 13 (bench/scenarios/capacity.js): a socket.io-client process on the load core,
// driven over IPC, that holds many signed-in users and has each one live on its own schedule — Poisson
// arrivals (exponential gaps, so every user has jitter and no two are in step):
//   - a message about once a minute into one of its conversations, typing.start first, typing.stop after;
//   - a read receipt (`conversation.read`) now and then after receiving a message;
//   - a history scroll now and then (newest page, then the page before it), and the conversation list;
//   - rarely a reconnect: the socket drops, stays away a few seconds, comes back and catches up with
//     GET /api/v1/sync?since=<its cursor> until hasMore is false.
// Every receiver times send→receive with the sender's clock written into the content (one machine, one
// clock); every REST request is timed to its last byte. Figures are kept per window: `reset` opens one,
// `collect` answers it.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { Histogram } from '../lib/histogram.js';

const now = () => performance.timeOrigin + performance.now();
const PADDING = ' — a line of chat long enough to look like one a person would type.';
const MARK = 'cap:';

let url;
let rates;
let running = true;
const users = [];
let window = freshWindow();
let loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function freshWindow() {
  return {
    startedAt: now(),
    cpuAtStart: process.cpuUsage(),
    delivery: new Histogram(),
    deliveryDirect: new Histogram(),
    deliveryGroup: new Histogram(),
    ack: new Histogram(),
    rest: new Histogram(),
    restByKind: { history: new Histogram(), list: new Histogram(), sync: new Histogram() },
    counts: {
      sent: 0,
      sentDirect: 0,
      sentGroup: 0,
      acked: 0,
      sendFailed: 0,
      skippedOffline: 0,
      delivered: 0,
      ownEchoes: 0,
      typingSent: 0,
      typingReceived: 0,
      readsSent: 0,
      receiptsReceived: 0,
      presenceReceived: 0,
      restRequests: 0,
      restFailed: 0,
      reconnects: 0,
      reconnectFailed: 0,
      syncPages: 0,
      syncEvents: 0,
      resyncRequired: 0,
    },
    errors: {},
  };
}

function error(key) {
  window.errors[key] = (window.errors[key] ?? 0) + 1;
}

const uniform = (min, max) => min + Math.random() * (max - min);
/** An exponential gap for `perMinute` events a minute: Poisson arrivals. */
const gap = (perMinute) => (-Math.log(1 - Math.random()) * 60_000) / perMinute;
const pick = (list) => list[Math.floor(Math.random() * list.length)];

function schedule(user, perMinute, action) {
  if (!perMinute) return;
  const tick = () => {
    if (!running) return;
    user.timers.delete(timer);
    try {
      action(user);
    } catch (caught) {
      error(`action: ${caught.message}`);
    }
    timer = setTimeout(tick, gap(perMinute));
    user.timers.add(timer);
  };
  let timer = setTimeout(tick, gap(perMinute));
  user.timers.add(timer);
}

/** An emit with an ack; resolves with the ack (or `{ ok: false }` on a timeout). */
function emit(socket, event, payload) {
  return new Promise((resolve) => {
    socket.timeout(10_000).emit(event, payload, (timeout, ack) => resolve(timeout ? { ok: false, error: { code: 'ACK_TIMEOUT' } } : ack));
  });
}

async function rest(user, kind, path) {
  const started = now();
  window.counts.restRequests++;
  try {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${user.token}` } });
    const body = await response.json().catch(() => null);
    const ms = now() - started;
    if (!response.ok) {
      window.counts.restFailed++;
      error(`${kind} ${response.status} ${body?.error?.code ?? ''}`);
      return null;
    }
    window.rest.record(ms);
    window.restByKind[kind].record(ms);
    return body;
  } catch (caught) {
    window.counts.restFailed++;
    error(`${kind}: ${caught.cause?.code ?? caught.message}`);
    return null;
  }
}

// ── what a user does ─────────────────────────────────────────────────────────────────────────────────

async function sendMessage(user) {
  if (!user.online) {
    window.counts.skippedOffline++;
    return;
  }
  const [conversationId] = pick(user.conversations);
  const socket = user.socket;
  window.counts.typingSent++;
  void emit(socket, 'typing.start', { conversationId }).then((ack) => ack?.ok || error(`typing.start ${ack?.error?.code}`));
  await new Promise((resolve) => setTimeout(resolve, uniform(rates.typingMs[0], rates.typingMs[1])));
  if (!running || !user.online || socket !== user.socket) return;
  const sentAt = now();
  window.counts.sent++;
  if (user.types.get(conversationId) === 'direct') window.counts.sentDirect++;
  else window.counts.sentGroup++;
  const ack = await emit(socket, 'message.send', { conversationId, clientMessageId: randomUUID(), content: `${MARK}${sentAt}${PADDING}` });
  if (ack?.ok) {
    window.counts.acked++;
    window.ack.record(now() - sentAt);
  } else {
    window.counts.sendFailed++;
    error(`message.send ${ack?.error?.code}`);
  }
  if (!user.online || socket !== user.socket) return;
  window.counts.typingSent++;
  void emit(socket, 'typing.stop', { conversationId }).then((ack) => ack?.ok || error(`typing.stop ${ack?.error?.code}`));
}

async function scrollHistory(user) {
  const [conversationId] = pick(user.conversations);
  const page = await rest(user, 'history', `/api/v1/conversations/${conversationId}/messages?limit=30`);
  const oldest = page?.items?.[0]?.seq;
  if (page?.hasMore && oldest > 1) await rest(user, 'history', `/api/v1/conversations/${conversationId}/messages?before=${oldest}&limit=30`);
}

async function listConversations(user) {
  await rest(user, 'list', '/api/v1/conversations?limit=30');
}

/** The socket drops, stays away `offlineMs`, comes back (same token) and catches up from its cursor. */
async function reconnect(user) {
  if (user.reconnecting) return;
  user.reconnecting = true;
  try {
    // A user the server disconnected (or whose last reconnect failed) just comes back.
    if (user.online) {
      user.online = false;
      user.socket.disconnect();
      await new Promise((resolve) => setTimeout(resolve, uniform(rates.offlineMs[0], rates.offlineMs[1])));
    }
    if (!running) return;
    if (!(await openSocket(user))) {
      // Tried again at its next reconnect; meanwhile it only scrolls and lists.
      window.counts.reconnectFailed++;
      return;
    }
    window.counts.reconnects++;
    await catchUp(user);
  } finally {
    user.reconnecting = false;
  }
}

async function catchUp(user) {
  for (let pages = 0; pages < 20; pages++) {
    const since = user.cursor ? `?since=${encodeURIComponent(user.cursor)}&limit=100` : '';
    const page = await rest(user, 'sync', `/api/v1/sync${since}`);
    if (!page) return;
    window.counts.syncPages++;
    window.counts.syncEvents += page.events?.length ?? 0;
    if (page.resyncRequired) window.counts.resyncRequired++;
    user.cursor = page.cursor;
    if (!page.hasMore || page.resyncRequired || !since) return;
  }
}

function markRead(user, conversationId) {
  if (user.pendingReads.has(conversationId)) return;
  user.pendingReads.add(conversationId);
  setTimeout(
    () => {
      user.pendingReads.delete(conversationId);
      if (!running || !user.online) return;
      window.counts.readsSent++;
      void emit(user.socket, 'conversation.read', { conversationId, seq: user.lastSeq.get(conversationId) ?? 0 }).then(
        (ack) => ack?.ok || error(`conversation.read ${ack?.error?.code}`),
      );
    },
    uniform(rates.readDelayMs[0], rates.readDelayMs[1]),
  );
}

// ── what a user receives ─────────────────────────────────────────────────────────────────────────────

function listen(user, socket) {
  socket.on('message.created', (message, meta) => {
    const at = now();
    if (meta?.cursor) user.cursor = meta.cursor;
    const conversationId = message?.conversationId;
    if (message?.seq > (user.lastSeq.get(conversationId) ?? 0)) user.lastSeq.set(conversationId, message.seq);
    const content = message?.content;
    if (typeof content !== 'string' || !content.startsWith(MARK)) return;
    if (message.sender?.id === user.id) {
      window.counts.ownEchoes++;
      return;
    }
    const ms = at - Number(content.slice(MARK.length, content.indexOf(' ')));
    window.counts.delivered++;
    window.delivery.record(ms);
    const direct = user.types.get(conversationId) === 'direct';
    (direct ? window.deliveryDirect : window.deliveryGroup).record(ms);
    if (Math.random() < (direct ? rates.readShare.direct : rates.readShare.group)) markRead(user, conversationId);
  });
  socket.on('receipt', (_receipt, meta) => {
    if (meta?.cursor) user.cursor = meta.cursor;
    window.counts.receiptsReceived++;
  });
  for (const event of ['conversation.updated', 'message.updated', 'message.deleted', 'reaction.updated']) {
    socket.on(event, (_data, meta) => {
      if (meta?.cursor) user.cursor = meta.cursor;
    });
  }
  socket.on('typing', () => window.counts.typingReceived++);
  socket.on('presence', () => window.counts.presenceReceived++);
  socket.on('disconnect', (reason) => {
    if (socket !== user.socket) return;
    // A disconnect this process did not ask for: counted, and the user comes back a moment later, as
    // socket.io-client's own reconnection would bring it (then catches up).
    if (reason !== 'io client disconnect') {
      error(`disconnected: ${reason}`);
      user.online = false;
      setTimeout(() => running && void reconnect(user), uniform(500, 2000));
    }
  });
}

function openSocket(user) {
  return new Promise((resolve) => {
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 60_000,
      auth: { token: user.token },
    });
    listen(user, socket);
    socket.once('connect', () => {
      user.socket = socket;
      user.online = true;
      resolve(true);
    });
    socket.once('connect_error', (failure) => {
      socket.close();
      error(`connect_error ${failure.message}`);
      resolve(false);
    });
  });
}

function begin(user) {
  schedule(user, rates.sendsPerMinute, sendMessage);
  schedule(user, rates.scrollsPerMinute, scrollHistory);
  schedule(user, rates.listsPerMinute, listConversations);
  schedule(user, rates.reconnectsPerMinute, reconnect);
}

// ── IPC ──────────────────────────────────────────────────────────────────────────────────────────────

/** Connects `specs` ([{ id, token, conversations: [[id, type], …] }]), each starting its day once connected. */
async function connect({ url: target, specs, concurrency = 25, rates: given, deadlineMs = Infinity }) {
  url = target;
  rates = given;
  const started = now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError;
  let late = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      // Past the deadline the rest are not tried: the step failed to bring its users on at all.
      if (now() - started > deadlineMs) {
        late++;
        continue;
      }
      const user = {
        ...spec,
        types: new Map(spec.conversations),
        lastSeq: new Map(),
        pendingReads: new Set(),
        timers: new Set(),
        cursor: null,
        online: false,
        reconnecting: false,
        socket: null,
      };
      let ok = await openSocket(user);
      for (let attempt = 1; !ok && attempt <= 3; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        ok = await openSocket(user);
      }
      if (!ok) {
        failed++;
        firstError ??= Object.keys(window.errors).find((key) => key.startsWith('connect_error'));
        continue;
      }
      connected++;
      users.push(user);
      begin(user);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (late) firstError ??= `${late} not tried: the ${Math.round(deadlineMs / 1000)} s connect deadline passed`;
  return { connected, failed: failed + late, late, firstError, ms: now() - started };
}

const handlers = {
  connect,
  reset: async () => {
    window = freshWindow();
    loopDelay.disable();
    loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    return {};
  },
  collect: async () => {
    const seconds = (now() - window.startedAt) / 1000;
    const sparse = (histogram) => histogram.toSparse();
    return {
      seconds,
      users: users.length,
      online: users.filter((user) => user.online).length,
      counts: window.counts,
      errors: window.errors,
      delivery: sparse(window.delivery),
      deliveryDirect: sparse(window.deliveryDirect),
      deliveryGroup: sparse(window.deliveryGroup),
      ack: sparse(window.ack),
      rest: sparse(window.rest),
      restByKind: Object.fromEntries(Object.entries(window.restByKind).map(([kind, histogram]) => [kind, sparse(histogram)])),
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      cpuMicros: (({ user, system }) => user + system)(process.cpuUsage(window.cpuAtStart)),
    };
  },
  disconnect: async () => {
    running = false;
    for (const user of users) {
      for (const timer of user.timers) clearTimeout(timer);
      user.socket?.close();
    }
    const count = users.length;
    users.length = 0;
    return { closed: count };
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    process.send({ id, result: await handlers[command](args ?? {}) });
  } catch (caught) {
    process.send({ id, error: caught.stack ?? String(caught) });
  }
});
process.on('disconnect', () => process.exit(0));

// A socket.io-client load process, driven by its parent over IPC. It holds many sockets; as receivers
// they count `message.created` deliveries and record send→receive latency (the sender writes its clock
// into the content); as senders they emit `message.send` with an acknowledgement, paced or saturating.
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { Histogram } from '../lib/histogram.js';

/** The server's per-socket token bucket allows 30 events/s: a sending socket stays under it. */
const MIN_SEND_INTERVAL_MS = 36;
const PADDING = ' — a line of chat long enough to look like one a person would type.';

const now = () => performance.timeOrigin + performance.now();
let sockets = [];
let delivered = 0;
let latency = new Histogram();
let measuring = false;

function onMessage(message) {
  if (!measuring) return;
  const content = message?.content;
  if (typeof content !== 'string' || !content.startsWith('bench:')) return;
  delivered++;
  latency.record(now() - Number(content.slice(6, content.indexOf(' '))));
}

function connectOne(url, spec) {
  return new Promise((resolve) => {
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 60_000,
      auth: { token: spec.token, rooms: spec.rooms ?? [] },
    });
    socket.conversationId = spec.conversationId;
    socket.lastSendAt = 0;
    socket.on('message.created', onMessage);
    socket.once('connect', () => resolve({ socket, ok: true }));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ socket, ok: false, error: error.message });
    });
  });
}

async function connect({ url, specs, concurrency = 100 }) {
  const started = now();
  let next = 0;
  let failed = 0;
  let retried = 0;
  let firstError;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      // A refused handshake is tried again after a pause, as socket.io-client's reconnection would.
      let result = await connectOne(url, spec);
      for (let attempt = 1; !result.ok && attempt <= 3; attempt++) {
        retried++;
        firstError ??= result.error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        result = await connectOne(url, spec);
      }
      if (result.ok) sockets.push(result.socket);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { connected: sockets.length, failed, retried, firstError, ms: now() - started };
}

/** One `message.send` with an ack; resolves with the ack's latency, or null on a refusal. */
function sendOne(socket) {
  socket.lastSendAt = now();
  const sentAt = now();
  const payload = { conversationId: socket.conversationId, clientMessageId: randomUUID(), content: `bench:${sentAt}${PADDING}` };
  return new Promise((resolve) => {
    socket.timeout(30_000).emit('message.send', payload, (error, ack) => {
      if (error || !ack?.ok) {
        resolve({ ok: false, error: error?.message ?? ack?.error?.code });
        return;
      }
      resolve({ ok: true, ms: now() - sentAt });
    });
  });
}

/**
 * Sends for `durationMs`: at `rate` messages/s spread over the sockets, or (no rate) as fast as `window`
 * outstanding sends allow, each socket at most once per MIN_SEND_INTERVAL_MS.
 */
async function send({ durationMs, rate, window = 32 }) {
  const ackLatency = new Histogram();
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError;
  const pending = new Set();
  const fire = (socket) => {
    sent++;
    const promise = sendOne(socket).then((result) => {
      pending.delete(promise);
      if (result.ok) {
        acked++;
        ackLatency.record(result.ms);
      } else {
        failed++;
        firstError ??= result.error;
      }
    });
    pending.add(promise);
  };
  let cursor = 0;
  const nextSocket = () => {
    for (let tries = 0; tries < sockets.length; tries++) {
      const socket = sockets[cursor++ % sockets.length];
      if (now() - socket.lastSendAt >= MIN_SEND_INTERVAL_MS) return socket;
    }
    return null;
  };
  const started = now();
  if (rate) {
    const total = Math.floor((rate * durationMs) / 1000);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((now() - started) * rate) / 1000) + 1);
      while (sent < due) {
        const socket = nextSocket() ?? sockets[cursor++ % sockets.length];
        fire(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } else {
    while (now() - started < durationMs) {
      while (pending.size < window) {
        const socket = nextSocket();
        if (!socket) break;
        fire(socket);
      }
      if (pending.size >= window) await Promise.race(pending);
      else await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const sendMs = now() - started;
  await Promise.all(pending);
  return { sent, acked, failed, firstError, sendMs, totalMs: now() - started, ack: ackLatency.toSparse() };
}

const handlers = {
  connect,
  send,
  /** Every socket emits `event` with `payload` (its own conversation when `conversationId` is null) and waits for the acks. */
  emitAll: async ({ event, payload }) => {
    const acks = await Promise.all(
      sockets.map((socket) =>
        socket
          .timeout(30_000)
          .emitWithAck(event, { ...payload, conversationId: payload.conversationId ?? socket.conversationId })
          .catch((error) => ({ ok: false, error: error.message })),
      ),
    );
    return { ok: acks.filter((ack) => ack?.ok).length, failed: acks.filter((ack) => !ack?.ok).length };
  },
  measure: async ({ on }) => {
    if (on) {
      delivered = 0;
      latency = new Histogram();
    }
    measuring = on;
    return {};
  },
  collect: async () => ({ delivered, latency: latency.toSparse() }),
  disconnect: async () => {
    for (const socket of sockets) socket.close();
    const count = sockets.length;
    sockets = [];
    return { closed: count };
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

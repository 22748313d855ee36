import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { timedFetch } from '../support/faults/http.js';
import { eventually } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { hasRedisServer, ThrowawayRedis } from '../support/faults/throwaway-redis.js';
import { clientSocket, connected } from '../support/sockets.js';

/** SIGKILL once this many sends were acknowledged. */
const KILL_AFTER_ACKS = 150;

interface User {
  id: string;
  token: string;
}

interface Attempt {
  sender: User;
  conversationId: string;
  clientMessageId: string;
  transport: 'rest' | 'ws';
  /** The message the server acknowledged (2xx or `{ ok: true }`), if it did. */
  acked?: { id: string; seq: number };
}

interface Row {
  id: string;
  conversation_id: string;
  seq: string;
  sender_id: string;
  client_message_id: string;
}

interface Message {
  id: string;
  seq: number;
  clientMessageId: string;
  conversationId: string;
}

/**
 * The run's database (embedded or on a server) is shared with the other suites, so every query here is
 * restricted to this suite's conversations. The server runs as a child of its own, so SIGKILL is a real
 * crash: no shutdown hook, no flush, connections cut mid-transaction.
 */
describe('crash safety: SIGKILL mid-burst (the built server)', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL!;
  let redis: ThrowawayRedis | undefined;
  let server: ServerProcess | undefined;
  let db: pg.Client;
  const sockets: Socket[] = [];
  let ada: User;
  let bob: User;
  let conversations: string[];

  async function start(): Promise<ServerProcess> {
    server = await startServerProcess({
      DATABASE_URL: databaseUrl,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      MESSAGE_RATE_LIMIT: '100000',
    });
    return server;
  }

  async function signup(url: string): Promise<User> {
    const username = `crash_${randomBytes(5).toString('hex')}`;
    const response = await timedFetch(`${url}/api/v1/auth/signup`, {
      method: 'POST',
      json: { email: `${username}@example.test`, username, password: 'a-long-enough-password' },
    });
    expect(response.status).toBe(201);
    return { id: response.body.user?.id ?? (await me(url, response.body.accessToken)), token: response.body.accessToken };
  }

  async function me(url: string, token: string): Promise<string> {
    const response = await timedFetch(`${url}/api/v1/users/me`, { token });
    expect(response.status).toBe(200);
    return response.body.id;
  }

  async function openSocket(url: string, user: User): Promise<Socket> {
    const socket = clientSocket(url, user.token);
    sockets.push(socket);
    await connected(socket);
    return socket;
  }

  /** The acknowledgement, or undefined when the socket went away first (the server died). */
  function socketSend(socket: Socket, payload: Record<string, unknown>): Promise<{ ok: boolean; data?: Message; error?: { code: string } } | undefined> {
    return new Promise((resolve) => {
      if (!socket.connected) return resolve(undefined);
      const gone = () => resolve(undefined);
      socket.once('disconnect', gone);
      socket.emit('message.send', payload, (ack: { ok: boolean; data?: Message }) => {
        socket.off('disconnect', gone);
        resolve(ack);
      });
    });
  }

  async function rows(): Promise<Row[]> {
    const result = await db.query<Row>(
      'SELECT id, conversation_id, seq::text AS seq, sender_id, client_message_id FROM message WHERE conversation_id = ANY($1::uuid[]) ORDER BY conversation_id, message.seq',
      [conversations],
    );
    return result.rows;
  }

  /** Per conversation: seq is exactly 1..N, and conversation.last_seq is N. */
  async function expectGapFree(stored: Row[]) {
    const lastSeqs = await db.query<{ id: string; last_seq: string }>('SELECT id, last_seq::text AS last_seq FROM conversation WHERE id = ANY($1::uuid[])', [
      conversations,
    ]);
    for (const conversationId of conversations) {
      const seqs = stored.filter((row) => row.conversation_id === conversationId).map((row) => Number(row.seq));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
      expect(Number(lastSeqs.rows.find((row) => row.id === conversationId)!.last_seq)).toBe(seqs.length);
    }
  }

  const key = (conversationId: string, senderId: string, clientMessageId: string) => `${conversationId}/${senderId}/${clientMessageId}`;

  beforeAll(async () => {
    if (process.env.REDIS_URL && hasRedisServer()) redis = await ThrowawayRedis.create();
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.destroy();
    await redis?.destroy();
    await db?.end();
  });

  it('keeps every acknowledged message exactly once with gap-free seq, and retries make no duplicates', async () => {
    let running = await start();
    [ada, bob] = await Promise.all([signup(running.url), signup(running.url)]);
    const direct = await timedFetch(`${running.url}/api/v1/conversations`, { method: 'POST', token: ada.token, json: { type: 'direct', userId: bob.id } });
    expect(direct.status).toBe(201);
    const group = await timedFetch(`${running.url}/api/v1/conversations`, {
      method: 'POST',
      token: bob.token,
      json: { type: 'group', title: 'crash', memberIds: [ada.id] },
    });
    expect(group.status).toBe(201);
    conversations = [direct.body.id, group.body.id];

    const attempts: Attempt[] = [];
    let acks = 0;
    let killed = false;
    const serverGone = running.exited;
    const acknowledged = (attempt: Attempt, message: Message) => {
      attempt.acked = { id: message.id, seq: message.seq };
      if (++acks === KILL_AFTER_ACKS) {
        killed = true;
        running.child.kill('SIGKILL');
      }
    };

    const restLoop = async (sender: User, loop: number) => {
      for (let n = 0; !killed; n++) {
        const attempt: Attempt = { sender, conversationId: conversations[(loop + n) % 2], clientMessageId: randomUUID(), transport: 'rest' };
        attempts.push(attempt);
        try {
          const response = await timedFetch(`${running.url}/api/v1/conversations/${attempt.conversationId}/messages`, {
            method: 'POST',
            token: sender.token,
            json: { clientMessageId: attempt.clientMessageId, content: `rest ${loop}.${n}` },
            deadlineMs: 5_000,
          });
          if (response.status === 201) acknowledged(attempt, response.body);
          else if (!killed) throw new Error(`send answered ${response.status}: ${JSON.stringify(response.body)}`);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const socketLoop = async (socket: Socket, sender: User, loop: number) => {
      for (let n = 0; !killed; n++) {
        const attempt: Attempt = { sender, conversationId: conversations[(loop + n) % 2], clientMessageId: randomUUID(), transport: 'ws' };
        attempts.push(attempt);
        const ack = await socketSend(socket, { conversationId: attempt.conversationId, clientMessageId: attempt.clientMessageId, content: `ws ${loop}.${n}` });
        if (ack?.ok) acknowledged(attempt, ack.data!);
        else if (!killed) throw new Error(`socket send answered ${JSON.stringify(ack)}`);
      }
    };

    const [adaSocket, bobSocket] = await Promise.all([openSocket(running.url, ada), openSocket(running.url, bob)]);
    const loops = [
      ...[0, 1, 2].map((loop) => restLoop(ada, loop)),
      ...[3, 4, 5].map((loop) => restLoop(bob, loop)),
      ...[6, 7].map((loop) => socketLoop(adaSocket, ada, loop)),
      ...[8, 9].map((loop) => socketLoop(bobSocket, bob, loop)),
    ];
    await Promise.all(loops);
    expect(await serverGone).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acks).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // Both transports were acknowledged before the crash, and some sends were still in flight when it came.
    expect(attempts.some((attempt) => attempt.acked && attempt.transport === 'rest')).toBe(true);
    expect(attempts.some((attempt) => attempt.acked && attempt.transport === 'ws')).toBe(true);
    const unacked = attempts.filter((attempt) => !attempt.acked);
    expect(unacked.length).toBeGreaterThan(0);

    await server!.destroy();
    running = await start();

    // Every acknowledged send is there exactly once, as acknowledged; seq is 1..N everywhere.
    const afterCrash = await rows();
    await expectGapFree(afterCrash);
    const byKey = new Map<string, Row[]>();
    for (const row of afterCrash) {
      const k = key(row.conversation_id, row.sender_id, row.client_message_id);
      byKey.set(k, [...(byKey.get(k) ?? []), row]);
    }
    for (const attempt of attempts.filter((candidate) => candidate.acked)) {
      const found = byKey.get(key(attempt.conversationId, attempt.sender.id, attempt.clientMessageId)) ?? [];
      expect(found.map((row) => ({ id: row.id, seq: Number(row.seq) }))).toEqual([attempt.acked]);
    }
    // Nothing the clients did not send.
    const attempted = new Set(attempts.map((attempt) => key(attempt.conversationId, attempt.sender.id, attempt.clientMessageId)));
    expect([...byKey.keys()].filter((k) => !attempted.has(k))).toEqual([]);
    expect([...byKey.values()].every((copies) => copies.length === 1)).toBe(true);

    // Every client retries everything it saw no acknowledgement for, on the transport it used.
    const [adaAgain, bobAgain] = await Promise.all([openSocket(running.url, ada), openSocket(running.url, bob)]);
    const retried = await Promise.all(
      unacked.map(async (attempt) => {
        const committed = byKey.get(key(attempt.conversationId, attempt.sender.id, attempt.clientMessageId))?.[0];
        const body = { clientMessageId: attempt.clientMessageId, content: 'retried' };
        if (attempt.transport === 'rest') {
          const response = await timedFetch(`${running.url}/api/v1/conversations/${attempt.conversationId}/messages`, {
            method: 'POST',
            token: attempt.sender.token,
            json: body,
          });
          expect(response.status).toBe(committed ? 200 : 201);
          if (committed) expect(response.body.id).toBe(committed.id);
          return { message: response.body as Message };
        }
        const ack = await socketSend(attempt.sender === ada ? adaAgain : bobAgain, { conversationId: attempt.conversationId, ...body });
        expect(ack?.ok).toBe(true);
        if (committed) expect(ack!.data!.id).toBe(committed.id);
        return { message: ack!.data! };
      }),
    );
    expect(retried.map(({ message }) => message.clientMessageId)).toEqual(unacked.map((attempt) => attempt.clientMessageId));
    // A retry of an acknowledged send answers the original too.
    const sample = attempts.filter((attempt) => attempt.acked && attempt.transport === 'rest').slice(0, 5);
    for (const attempt of sample) {
      const response = await timedFetch(`${running.url}/api/v1/conversations/${attempt.conversationId}/messages`, {
        method: 'POST',
        token: attempt.sender.token,
        json: { clientMessageId: attempt.clientMessageId, content: 'again' },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: attempt.acked!.id, seq: attempt.acked!.seq });
    }

    const final = await rows();
    await expectGapFree(final);
    expect(final).toHaveLength(attempted.size);
    expect(new Set(final.map((row) => key(row.conversation_id, row.sender_id, row.client_message_id)))).toEqual(attempted);

    // History, as a client pages it, shows the same.
    for (const conversationId of conversations) {
      const seen: Message[] = [];
      let after = 0;
      for (;;) {
        const page = await timedFetch(`${running.url}/api/v1/conversations/${conversationId}/messages?after=${after}&limit=100`, { token: bob.token });
        expect(page.status).toBe(200);
        seen.push(...page.body.items);
        if (!page.body.hasMore) break;
        after = page.body.items.at(-1).seq;
      }
      expect(seen.map((message) => message.id)).toEqual(final.filter((row) => row.conversation_id === conversationId).map((row) => row.id));
    }
  }, 40_000);

  it('gives a client that was offline while 50 messages arrived exactly what it missed with ?after=<last seq seen>', async () => {
    const running = server!;
    const conversationId = conversations[1];
    const bobSocket = await openSocket(running.url, bob);
    const created: Message[] = [];
    bobSocket.on('message.created', (message: Message) => created.push(message));
    const last = await timedFetch(`${running.url}/api/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      token: ada.token,
      json: { clientMessageId: randomUUID(), content: 'last one bob saw' },
    });
    expect(last.status).toBe(201);
    const seen = await eventually(async () => created.find((message) => message.id === last.body.id), {
      timeoutMs: 5_000,
      what: 'bob seeing the message live',
    });
    bobSocket.close();

    // Fifty messages from two senders while bob is away.
    const sent: Message[] = [];
    await Promise.all(
      [ada, bob, ada, bob, ada].map(async (sender, loop) => {
        for (let n = 0; n < 10; n++) {
          const response = await timedFetch(`${running.url}/api/v1/conversations/${conversationId}/messages`, {
            method: 'POST',
            token: sender.token,
            json: { clientMessageId: randomUUID(), content: `while away ${loop}.${n}` },
          });
          expect(response.status).toBe(201);
          sent.push(response.body);
        }
      }),
    );

    const missed: Message[] = [];
    let after = seen.seq;
    let pages = 0;
    for (;;) {
      const page = await timedFetch(`${running.url}/api/v1/conversations/${conversationId}/messages?after=${after}&limit=15`, { token: bob.token });
      expect(page.status).toBe(200);
      pages++;
      missed.push(...page.body.items);
      if (!page.body.hasMore) break;
      after = page.body.items.at(-1).seq;
    }
    expect(pages).toBe(4);
    expect(missed.map((message) => message.seq)).toEqual(Array.from({ length: 50 }, (_, index) => seen.seq + 1 + index));
    expect(new Set(missed.map((message) => message.id))).toEqual(new Set(sent.map((message) => message.id)));
  });
});

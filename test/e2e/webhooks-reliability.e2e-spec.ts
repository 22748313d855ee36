import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { timedFetch } from '../support/faults/http.js';
import { eventually } from '../support/faults/ports.js';
import { startServerProcess, type ServerProcess } from '../support/faults/server-process.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type GivenUser, uniqueName } from '../support/given.js';
import { Receiver } from '../support/integrations/receiver.js';
import { useTestApp } from '../support/use-test-app.js';

/** Each conversation's events as the receiver first saw them: in seq order, none missing. */
function firstSeenPerConversation(receiver: Receiver): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const body of receiver.bodies()) {
    if (seen.has(body.id)) continue;
    seen.add(body.id);
    const list = order.get(body.data.conversationId) ?? [];
    list.push(body.data.seq);
    order.set(body.data.conversationId, list);
  }
  return order;
}

describe('webhooks reliability: a receiver down for many backoff rounds, then back', () => {
  const receivers: Receiver[] = [];
  let hookId: string | undefined;
  afterAll(async () => {
    if (hookId) await app.running.app.inject({ method: 'DELETE', url: `/api/v1/admin/webhooks/${hookId}`, headers: admin.auth });
    for (const receiver of receivers) await receiver.down();
  });
  // "Minutes" of backoff, scaled down: every wait is 1 s, and more attempts than the outage needs.
  const app = useTestApp({
    env: {
      WEBHOOK_MAX_ATTEMPTS: '50',
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1',
      WEBHOOK_DISPATCH_INTERVAL_MS: '200',
      JOBS_POLL_INTERVAL_MS: '500',
    },
  });
  let admin: GivenUser;

  it('loses no event and keeps each conversation in order', async () => {
    const given = builders(app.running);
    const chat = chatBuilders(app.running);
    admin = await given.admin();
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const groups = [await chat.group(ada, [bob]), await chat.group(bob, [ada])];
    const receiver = await new Receiver().up();
    receivers.push(receiver);
    const created = await app.running.app.inject({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      headers: admin.auth,
      payload: { url: receiver.url, events: ['message.created'] },
    });
    hookId = created.json().id;
    await receiver.down();

    const sent: { conversationId: string; seq: number }[] = [];
    for (let n = 0; n < 12; n++) {
      const message = await chat.message(n % 3 ? ada : bob, groups[n % 2], `while down ${n}`);
      sent.push({ conversationId: message.conversationId, seq: message.seq });
    }
    // Several refused attempts of each conversation's first event.
    await eventually(
      async () => {
        const rows = (await app.running.app.inject({ method: 'GET', url: `/api/v1/admin/webhooks/${hookId}/deliveries?limit=100`, headers: admin.auth })).json()
          .items as { attempt: number; status: string; error: string | null }[];
        const failing = rows.filter((row) => row.status === 'failed' && row.attempt >= 3);
        return failing.length >= 2 ? failing : undefined;
      },
      { timeoutMs: 30_000, what: 'two conversations retried three times' },
    );
    expect(receiver.requests).toHaveLength(0);

    await receiver.up();
    await eventually(async () => (new Set(receiver.bodies().map((body) => body.id)).size >= sent.length ? true : undefined), {
      timeoutMs: 30_000,
      what: 'every event delivered',
    });
    const order = firstSeenPerConversation(receiver);
    for (const group of groups) {
      const expected = sent.filter((entry) => entry.conversationId === group.id).map((entry) => entry.seq);
      expect(order.get(group.id)).toEqual(expected);
    }
    // The whole log, in each conversation, in order: no later event overtook an earlier one, even across retries.
    for (const group of groups) {
      const all = receiver
        .bodies()
        .filter((body) => body.data.conversationId === group.id)
        .map((body) => body.data.seq as number);
      expect(all).toEqual([...all].sort((a, b) => a - b));
    }
  });
});

/**
 * The server runs as a child of its own, so SIGKILL is a real crash in the middle of an HTTP request to
 * the receiver: no shutdown hook tells the queue anything.
 */
describe('webhooks reliability: an instance killed mid-delivery', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL!;
  let db: pg.Client;
  let server: ServerProcess | undefined;
  const receiver = new Receiver();
  const env = {
    DATABASE_URL: databaseUrl,
    JOBS_POLL_INTERVAL_MS: '500',
    JOBS_SUPERVISE_INTERVAL: '1',
    WEBHOOK_TIMEOUT_MS: '60000',
    WEBHOOK_RETRY_DELAY_SECONDS: '1',
    WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1',
    WEBHOOK_DISPATCH_INTERVAL_MS: '200',
  };

  beforeAll(async () => {
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await receiver.up();
  });

  afterAll(async () => {
    await db.query(`DELETE FROM webhook WHERE url = $1`, [receiver.url]);
    await server?.destroy();
    await receiver.down();
    await db?.end();
  });

  it('delivers the event again after the restart, not lost', async () => {
    server = await startServerProcess(env);
    const api = (path: string) => `${server!.url}/api/v1${path}`;
    const username = uniqueName('hook');
    const password = `pw-${randomUUID()}`;
    const signup = await timedFetch(api('/auth/signup'), {
      method: 'POST',
      json: { email: `${username}@example.test`, username, password, displayName: username },
    });
    expect(signup.status).toBe(201);
    await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [signup.body.user.id]);
    const login = await timedFetch(api('/auth/login'), { method: 'POST', json: { email: `${username}@example.test`, password } });
    const token = login.body.accessToken as string;
    const group = await timedFetch(api('/conversations'), { method: 'POST', token, json: { type: 'group', title: 'Crash', memberIds: [] } });
    const hook = await timedFetch(api('/admin/webhooks'), {
      method: 'POST',
      token,
      json: { url: receiver.url, events: ['message.created'], conversationId: group.body.id },
    });
    expect(hook.status).toBe(201);

    receiver.answer = (_request, index) => (index === 0 ? 'hang' : { status: 200 });
    const sent = await timedFetch(api(`/conversations/${group.body.id}/messages`), {
      method: 'POST',
      token,
      json: { clientMessageId: randomUUID(), content: 'survive the crash' },
    });
    expect(sent.status).toBe(201);
    await eventually(async () => (receiver.requests.length ? true : undefined), { timeoutMs: 30_000, what: 'the first attempt reached the receiver' });

    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await server.destroy();

    server = await startServerProcess(env);
    await eventually(async () => (receiver.requests.length >= 2 ? true : undefined), { timeoutMs: 45_000, what: 'the delivery ran again' });
    const [first, again] = receiver.requests;
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.data.content).toBe('survive the crash');
    expect(again.headers['x-chat-delivery']).toBe(first.headers['x-chat-delivery']);

    const relogin = await timedFetch(`${server.url}/api/v1/auth/login`, { method: 'POST', json: { email: `${username}@example.test`, password } });
    const row = await eventually(
      async () => {
        const page = await timedFetch(`${server!.url}/api/v1/admin/webhooks/${hook.body.id}/deliveries`, { token: relogin.body.accessToken });
        return page.body.items[0]?.status === 'delivered' ? page.body.items[0] : undefined;
      },
      { timeoutMs: 10_000, what: 'recorded delivered' },
    );
    expect(row.attempt).toBe(2);
    expect(receiver.requests).toHaveLength(2);
  });
});

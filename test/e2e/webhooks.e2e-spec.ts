import { randomUUID } from 'node:crypto';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { Receiver } from '../support/integrations/receiver.js';
import { useTestApp } from '../support/use-test-app.js';
import { verifySignature } from '../../src/common/http/signature.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  conversationId: string | null;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  cursor: string;
  secret?: string;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  cursor: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  nextAttemptAt: string | null;
}

const ATTEMPTS = 4;

describe('outgoing webhooks', () => {
  const receivers: Receiver[] = [];
  const created: string[] = [];
  // Before the app's own afterAll (hooks run in the order they are declared): it still answers here.
  afterAll(async () => {
    // Nothing keeps failing into the suites that run after this one.
    for (const id of created) await inject('DELETE', `/admin/webhooks/${id}`, admin);
    for (const receiver of receivers) await receiver.down();
  });
  const app = useTestApp({
    env: {
      WEBHOOK_MAX_ATTEMPTS: String(ATTEMPTS),
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_DISPATCH_INTERVAL_MS: '200',
      WEBHOOK_DISABLE_AFTER: '2',
      JOBS_POLL_INTERVAL_MS: '500',
    },
  });
  let given: Given;
  let chat: ChatGiven;
  let admin: GivenUser;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    admin = await given.admin();
  });

  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user: GivenUser | null, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  async function receiver(): Promise<Receiver> {
    const started = await new Receiver().up();
    receivers.push(started);
    return started;
  }

  async function webhook(body: object): Promise<Webhook> {
    const answer = await inject('POST', '/admin/webhooks', admin, body);
    expect(answer.statusCode).toBe(201);
    created.push(answer.json().id);
    return answer.json();
  }

  const deliveries = async (id: string): Promise<Delivery[]> => (await inject('GET', `/admin/webhooks/${id}/deliveries?limit=100`, admin)).json().items;

  /** A group with a webhook on its `message.created` events, delivered to a fresh receiver. */
  async function subscribed(extra: object = {}) {
    const [owner, member] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(owner, [member]);
    const target = await receiver();
    const hook = await webhook({ url: target.url, events: ['message.created'], conversationId: group.id, ...extra });
    return { owner, member, group, target, hook };
  }

  const contents = (target: Receiver) => target.bodies().map((body) => body.data.content as string);
  const received = (target: Receiver, count: number) =>
    eventually(async () => (target.requests.length >= count ? target.requests : undefined), { timeoutMs: 30_000, what: `${count} requests received` });

  describe('managing webhooks', () => {
    it('creates one (secret shown once), lists, reads, changes and deletes it; admins only', async () => {
      const target = await receiver();
      const body = { url: target.url, events: ['message.created', 'message.deleted'] };
      const hook = await webhook(body);
      expect(hook).toEqual({
        id: expect.any(String),
        url: target.url,
        events: ['message.created', 'message.deleted'],
        conversationId: null,
        status: 'active',
        disabledReason: null,
        cursor: expect.any(String),
        secret: expect.stringMatching(/^whsec_/),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const listed = (await inject('GET', '/admin/webhooks?limit=100', admin)).json().items as Webhook[];
      expect(listed.find((item) => item.id === hook.id)).toEqual({ ...hook, secret: undefined, updatedAt: expect.any(String) });
      expect(JSON.stringify(listed)).not.toContain(hook.secret);
      expect((await inject('GET', `/admin/webhooks/${hook.id}`, admin)).json().secret).toBeUndefined();

      const changed = await inject('PATCH', `/admin/webhooks/${hook.id}`, admin, { events: ['reaction.updated'], secret: 'a-new-secret-of-enough-length' });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ events: ['reaction.updated'], secret: 'a-new-secret-of-enough-length' });

      const user = await given.user();
      expect((await inject('POST', '/admin/webhooks', user, body)).statusCode).toBe(403);
      expect((await inject('GET', '/admin/webhooks', user)).statusCode).toBe(403);
      expect((await inject('GET', `/admin/webhooks/${hook.id}/deliveries`, user)).statusCode).toBe(403);
      expect((await inject('POST', '/admin/webhooks', null, body)).statusCode).toBe(401);

      expect((await inject('DELETE', `/admin/webhooks/${hook.id}`, admin)).statusCode).toBe(204);
      expect((await inject('GET', `/admin/webhooks/${hook.id}`, admin)).statusCode).toBe(404);
      expect((await inject('DELETE', `/admin/webhooks/${hook.id}`, admin)).statusCode).toBe(404);
      const audit = (await inject('GET', `/admin/audit?targetId=${hook.id}`, admin)).json().items.map((entry: { type: string }) => entry.type);
      expect(audit.sort()).toEqual(['webhook.created', 'webhook.deleted', 'webhook.updated']);
    });

    it.each([
      [{ url: 'ftp://example.test/x', events: ['message.created'] }, 'url'],
      [{ url: 'not a url', events: ['message.created'] }, 'url'],
      [{ url: 'http://127.0.0.1:9/x', events: ['message.exploded'] }, 'events'],
      [{ url: 'http://127.0.0.1:9/x', events: [] }, 'events'],
      [{ url: 'http://127.0.0.1:9/x', events: ['message.created'], secret: 'short' }, 'secret'],
      [{ url: 'http://127.0.0.1:9/x', events: ['message.created'], conversationId: 'nope' }, 'conversationId'],
      [{ url: 'http://127.0.0.1:9/x', events: ['message.created'], admin: true }, 'admin'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const answer = await inject('POST', '/admin/webhooks', admin, body);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().details.map((detail: { field: string }) => detail.field)).toContain(field);
    });

    it('answers 404 for an unknown webhook and 400 for a malformed id or cursor', async () => {
      expect((await inject('GET', `/admin/webhooks/${randomUUID()}`, admin)).statusCode).toBe(404);
      expect((await inject('GET', `/admin/webhooks/${randomUUID()}/deliveries`, admin)).statusCode).toBe(404);
      expect((await inject('POST', `/admin/webhooks/${randomUUID()}/replay`, admin, { fromCursor: 'x' })).statusCode).toBe(400);
      expect((await inject('GET', '/admin/webhooks/not-a-uuid', admin)).statusCode).toBe(400);
      expect((await inject('GET', '/admin/webhooks?cursor=garbage', admin)).statusCode).toBe(400);
    });
  });

  describe('delivery', () => {
    it("delivers the conversation's events signed, in order, with the delivery id; nothing of other conversations or types", async () => {
      const { owner, member, group, target, hook } = await subscribed();
      const elsewhere = await chat.group(owner, [member]);
      for (let n = 1; n <= 5; n++) {
        await chat.message(n % 2 ? owner : member, group, `in order ${n}`);
        await chat.message(owner, elsewhere, `elsewhere ${n}`);
      }
      await received(target, 5);
      const first = await chat.message(owner, group, 'last one');
      await inject('DELETE', `/conversations/${group.id}/messages/${first.id}`, owner);
      await received(target, 6);

      // The log forgets: a message deleted before its delivery is sent as the tombstone, never its words.
      expect(contents(target).slice(0, 5)).toEqual(['in order 1', 'in order 2', 'in order 3', 'in order 4', 'in order 5']);
      expect(target.bodies()[5].data.id).toBe(first.id);
      if (target.bodies()[5].data.deletedAt) expect(contents(target)[5]).toBeNull();
      else expect(contents(target)[5]).toBe('last one');
      // The receiver has answered, but the worker records the outcome after that: wait for the record.
      const ids = target.requests.map((request) => request.headers['x-chat-delivery']);
      const log = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return ids.every((id) => rows.find((row) => row.id === id)?.status === 'delivered') ? rows : undefined;
        },
        { timeoutMs: 10_000, what: 'every delivery recorded' },
      );
      for (const request of target.requests) {
        expect(request.headers['content-type']).toBe('application/json');
        expect(verifySignature(hook.secret!, request.body, String(request.headers['x-chat-signature']))).toBe(true);
        expect(verifySignature('another-secret-entirely', request.body, String(request.headers['x-chat-signature']))).toBe(false);
        expect(request.json).toEqual({
          id: expect.stringMatching(/^evt_\d+$/),
          type: 'message.created',
          data: expect.any(Object),
          cursor: expect.any(String),
          createdAt: expect.any(String),
        });
        const delivery = log.find((row) => row.id === request.headers['x-chat-delivery']);
        expect(delivery).toMatchObject({
          status: 'delivered',
          attempt: 1,
          responseStatus: 200,
          eventId: request.json.id,
          cursor: request.json.cursor,
          eventType: 'message.created',
        });
        expect(delivery!.latencyMs).toEqual(expect.any(Number));
      }
      const seqs = target.bodies().map((body) => body.data.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });

    it('refuses a tampered body or a stale timestamp in the documented verification', async () => {
      const { owner, group, target, hook } = await subscribed();
      await chat.message(owner, group, 'sign me');
      const [request] = await received(target, 1);
      const header = String(request.headers['x-chat-signature']);
      expect(verifySignature(hook.secret!, request.body.replace('sign me', 'signed!'), header)).toBe(false);
      expect(verifySignature(hook.secret!, request.body, header, { now: new Date(Date.now() + 10 * 60_000) })).toBe(false);
    });

    it('retries a failing receiver with backoff until it recovers, keeping the order', async () => {
      const { owner, group, target, hook } = await subscribed();
      target.answer = (_request, index) => (index < 2 ? { status: 503 } : { status: 204 });
      await chat.message(owner, group, 'first');
      await chat.message(owner, group, 'second');
      await received(target, 4);
      // The first event was tried three times before the second was sent once.
      expect(contents(target)).toEqual(['first', 'first', 'first', 'second']);
      const ids = target.requests.map((request) => request.headers['x-chat-delivery']);
      expect(ids[0]).toBe(ids[1]);
      expect(ids[1]).toBe(ids[2]);
      const [second, first] = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return rows.every((row) => row.status === 'delivered') ? rows : undefined;
        },
        { timeoutMs: 10_000, what: 'both delivered' },
      );
      expect(first).toMatchObject({ attempt: 3, status: 'delivered', responseStatus: 204, nextAttemptAt: null });
      expect(second).toMatchObject({ attempt: 1, status: 'delivered' });
      const gaps = target.requests.slice(0, 3).map((request, index, all) => (index ? request.at - all[index - 1].at : 0));
      expect(Math.min(...gaps.slice(1))).toBeGreaterThanOrEqual(900);
    });

    it('records a failed attempt with its status and next attempt while it waits', async () => {
      const { owner, group, target, hook } = await subscribed();
      target.answer = (_request, index) => (index < 1 ? { status: 500 } : { status: 200 });
      await chat.message(owner, group, 'retry me');
      await received(target, 1);
      const [row] = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return rows[0]?.attempt === 1 || rows[0]?.status === 'delivered' ? rows : undefined;
        },
        { timeoutMs: 10_000, what: 'the first attempt recorded' },
      );
      if (row.status === 'failed') {
        expect(row).toMatchObject({ responseStatus: 500, error: 'HTTP 500' });
        expect(Date.parse(row.nextAttemptAt!)).toBeGreaterThan(Date.now() - 5_000);
      }
      await received(target, 2);
      await eventually(async () => ((await deliveries(hook.id))[0].status === 'delivered' ? true : undefined), { timeoutMs: 10_000, what: 'delivered' });
    });

    it('gives up on an attempt that hangs past WEBHOOK_TIMEOUT_MS and delivers on the next one', async () => {
      const { owner, group, target, hook } = await subscribed();
      target.answer = (_request, index) => (index === 0 ? 'hang' : { status: 200 });
      await chat.message(owner, group, 'hang first');
      await received(target, 2);
      const [row] = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return rows[0]?.status === 'delivered' ? rows : undefined;
        },
        { timeoutMs: 15_000, what: 'delivered' },
      );
      expect(row.attempt).toBe(2);
      expect(target.requests[1].at - target.requests[0].at).toBeGreaterThanOrEqual(1_000);
    });

    it('waits for a slow receiver that answers within the time limit', async () => {
      const { owner, group, target, hook } = await subscribed();
      target.answer = () => ({ status: 200, delayMs: 400 });
      await chat.message(owner, group, 'slowly');
      await received(target, 1);
      const [row] = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return rows[0]?.status === 'delivered' ? rows : undefined;
        },
        { timeoutMs: 10_000, what: 'delivered' },
      );
      expect(row.attempt).toBe(1);
      expect(row.latencyMs).toBeGreaterThanOrEqual(400);
      expect(target.requests).toHaveLength(1);
    });

    it('counts a redirect as a failure (it is not followed)', async () => {
      const { owner, group, target, hook } = await subscribed();
      target.answer = (_request, index) => (index === 0 ? { status: 302 } : { status: 200 });
      await chat.message(owner, group, 'no redirects');
      await received(target, 2);
      const [row] = await eventually(
        async () => {
          const rows = await deliveries(hook.id);
          return rows[0]?.status === 'delivered' ? rows : undefined;
        },
        { timeoutMs: 10_000, what: 'delivered' },
      );
      expect(row.attempt).toBe(2);
    });

    it('marks a delivery dead after WEBHOOK_MAX_ATTEMPTS, lets the next event go, and disables the webhook after repeated deaths with an event to admins', async () => {
      const { owner, group, target, hook } = await subscribed();
      const sinceCursor = (await inject('GET', '/sync', admin)).json().cursor as string;
      target.answer = () => ({ status: 500 });
      await chat.message(owner, group, 'doomed 1');
      await chat.message(owner, group, 'doomed 2');
      await received(target, ATTEMPTS * 2);
      const rows = await eventually(
        async () => {
          const found = await deliveries(hook.id);
          return found.length === 2 && found.every((row) => row.status === 'dead') ? found : undefined;
        },
        { timeoutMs: 20_000, what: 'both dead' },
      );
      expect(rows.map((row) => row.attempt)).toEqual([ATTEMPTS, ATTEMPTS]);
      expect(contents(target)).toEqual([...Array(ATTEMPTS).fill('doomed 1'), ...Array(ATTEMPTS).fill('doomed 2')]);

      const disabled = await eventually(
        async () => {
          const found = (await inject('GET', `/admin/webhooks/${hook.id}`, admin)).json() as Webhook;
          return found.status === 'disabled' ? found : undefined;
        },
        { timeoutMs: 10_000, what: 'disabled' },
      );
      expect(disabled.disabledReason).toBe('failures');
      const events = await eventually(
        async () => {
          const found = (await inject('GET', `/sync?since=${sinceCursor}`, admin)).json().events as { type: string; data: any }[];
          const mine = found.filter((event) => event.type === 'webhook.disabled' && event.data.webhookId === hook.id);
          return mine.length ? mine : undefined;
        },
        { timeoutMs: 10_000, what: 'webhook.disabled in sync' },
      );
      expect(events[0].data).toEqual({ webhookId: hook.id, url: target.url, reason: 'failures', deadDeliveries: 2 });
      const plain = (await inject('GET', `/sync?since=${sinceCursor}`, owner)).json().events as { type: string }[];
      expect(plain.map((event) => event.type)).not.toContain('webhook.disabled');

      // Disabled: later events wait at the cursor; re-enabling delivers them, nothing lost.
      target.answer = () => ({ status: 200 });
      await chat.message(owner, group, 'while disabled');
      const before = target.requests.length;
      expect((await inject('PATCH', `/admin/webhooks/${hook.id}`, admin, { enabled: true })).json().status).toBe('active');
      await received(target, before + 1);
      expect(contents(target).at(-1)).toBe('while disabled');
    });

    it('replays every matching event after a cursor: the same event ids, new deliveries', async () => {
      const { owner, group, target, hook } = await subscribed();
      for (const word of ['one', 'two', 'three']) await chat.message(owner, group, word);
      await received(target, 3);
      const [first] = target.bodies();
      const ahead = await inject('POST', `/admin/webhooks/${hook.id}/replay`, admin, { fromCursor: (await inject('GET', '/sync', admin)).json().cursor });
      const head = await eventually(
        async () => {
          const found = (await inject('GET', `/admin/webhooks/${hook.id}`, admin)).json() as Webhook;
          return found;
        },
        { timeoutMs: 1_000, what: 'webhook' },
      );
      expect([202, 400]).toContain(ahead.statusCode);
      expect(head.status).toBe('active');
      const answer = await inject('POST', `/admin/webhooks/${hook.id}/replay`, admin, { fromCursor: hook.cursor });
      expect(answer.statusCode).toBe(202);
      await received(target, 6);
      expect(contents(target)).toEqual(['one', 'two', 'three', 'one', 'two', 'three']);
      expect(target.bodies()[3].id).toBe(first.id);
      expect(target.requests[3].headers['x-chat-delivery']).not.toBe(target.requests[0].headers['x-chat-delivery']);
      expect(await deliveries(hook.id)).toHaveLength(6);
      expect((await inject('POST', `/admin/webhooks/${hook.id}/replay`, admin, { fromCursor: 'bm9wZQ' })).statusCode).toBe(400);
    });

    it('delivers every event to a webhook without a conversation filter', async () => {
      const target = await receiver();
      const hook = await webhook({ url: target.url, events: ['conversation.updated'] });
      const owner = await given.user();
      const group = await chat.group(owner, [], 'Filterless');
      await received(target, 1);
      expect(target.bodies().some((body) => body.type === 'conversation.updated' && body.data.id === group.id)).toBe(true);
      expect((await deliveries(hook.id)).length).toBeGreaterThanOrEqual(1);
    });
  });
});

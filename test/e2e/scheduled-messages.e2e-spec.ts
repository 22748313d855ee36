import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Scheduled {
  id: string;
  conversationId: string;
  clientMessageId: string;
  content: string;
  sendAt: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  messageId: string | null;
  failureReason: string | null;
}

/** Fast polling and upkeep, so a job due now runs within a second or so. */
const FAST = { JOBS_POLL_INTERVAL_MS: '500', JOBS_SUPERVISE_INTERVAL: '1' };
const soon = (ms = 1_500) => new Date(Date.now() + ms).toISOString();
const later = () => new Date(Date.now() + 3_600_000).toISOString();

function client(running: TestApp) {
  return (method: Method, url: string, headers: Record<string, string> = {}, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
}

/** The caller's scheduled message once it is no longer pending or sending. */
async function settled(call: ReturnType<typeof client>, owner: GivenUser, id: string): Promise<Scheduled> {
  return eventually(
    async () => {
      const found = ((await call('GET', '/scheduled?limit=100', owner.auth)).json().items as Scheduled[]).find((item) => item.id === id);
      return found && (found.status === 'sent' || found.status === 'failed') ? found : undefined;
    },
    { timeoutMs: 30_000, what: `scheduled message ${id} settled` },
  );
}

describe('scheduled messages', () => {
  describe('on one instance', () => {
    let running: TestApp;
    let given: Given;
    let chat: ChatGiven;
    let call: ReturnType<typeof client>;
    let sockets: ReturnType<typeof socketFactory>;

    beforeAll(async () => {
      running = await startTestApp({ ...FAST, SCHEDULED_MESSAGES_PER_USER: '3' }, { listen: true });
      given = builders(running);
      chat = chatBuilders(running);
      call = client(running);
      const checker = await AsyncApiChecker.load(running);
      sockets = socketFactory(() => checker);
    });

    afterAll(async () => {
      sockets.closeAll();
      await running.close();
    });

    const schedule = (user: GivenUser, conversationId: string, body: object, headers = user.auth) =>
      call('POST', `/conversations/${conversationId}/scheduled`, headers, body);

    it('sends at sendAt through the normal path: the next seq, message.created, the member sees it; idempotent when scheduled again', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      const group = await chat.group(ada, [bob]);
      const first = await chat.message(ada, group, 'before');
      const bobs = await sockets.connect(running.url, bob.accessToken);
      const body = { clientMessageId: randomUUID(), content: 'good morning', sendAt: soon() };
      const created = await schedule(ada, group.id, body);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: expect.any(String), sendAt: body.sendAt, status: 'pending', content: 'good morning', messageId: null });
      const again = await schedule(ada, group.id, body);
      expect([again.statusCode, again.json().id]).toEqual([200, created.json().id]);

      const done = await settled(call, ada, created.json().id);
      expect(done).toMatchObject({ status: 'sent', messageId: expect.any(String), failureReason: null });
      const event = await bobs.next<{ id: string; seq: number; content: string; sender: { id: string } }>(
        'message.created',
        (message) => message.content === 'good morning',
        20_000,
      );
      expect(event.payload).toMatchObject({ id: done.messageId, seq: first.seq + 1, sender: { id: ada.id } });
      const history = (await call('GET', `/conversations/${group.id}/messages`, bob.auth)).json().items as Array<{ content: string; clientMessageId: string }>;
      expect(history.filter((message) => message.content === 'good morning')).toEqual([expect.objectContaining({ clientMessageId: body.clientMessageId })]);
      // Sent: no more edits or cancelling.
      expect((await call('PATCH', `/scheduled/${done.id}`, ada.auth, { content: 'too late' })).statusCode).toBe(409);
      expect((await call('DELETE', `/scheduled/${done.id}`, ada.auth)).statusCode).toBe(409);
    });

    it('sends the edited text at the edited time, once; the superseded job sends nothing', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const created = (await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'draft', sendAt: later() })).json() as Scheduled;
      const oldJob = (await running.app.get(DataSource).query(`SELECT job_id FROM scheduled_message WHERE id = $1`, [created.id]))[0].job_id as string;
      const sendAt = soon();
      const edited = await call('PATCH', `/scheduled/${created.id}`, ada.auth, { content: 'final', sendAt });
      expect(edited.statusCode).toBe(200);
      expect(edited.json()).toMatchObject({ content: 'final', sendAt, status: 'pending' });
      const done = await settled(call, ada, created.id);
      expect(done.status).toBe('sent');
      const contents = ((await call('GET', `/conversations/${group.id}/messages`, ada.auth)).json().items as Array<{ content: string }>).map(
        (message) => message.content,
      );
      expect(contents).toEqual(['final']);
      const [job] = await running.app.get(DataSource).query(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [oldJob]);
      expect(job.state).toBe('cancelled');
    });

    it('cancels: the row goes and its job is cancelled', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const created = (await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'never', sendAt: later() })).json() as Scheduled;
      const jobId = (await running.app.get(DataSource).query(`SELECT job_id FROM scheduled_message WHERE id = $1`, [created.id]))[0].job_id as string;
      expect((await call('DELETE', `/scheduled/${created.id}`, ada.auth)).statusCode).toBe(204);
      expect((await call('GET', '/scheduled', ada.auth)).json().items).toEqual([]);
      expect((await running.app.get(DataSource).query(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [jobId]))[0].state).toBe('cancelled');
      expect((await call('DELETE', `/scheduled/${created.id}`, ada.auth)).statusCode).toBe(404);
    });

    it('fails, with the reason, when the author can no longer post at send time', async () => {
      const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
      const group = await chat.group(ada, [bob]);
      const removed = (await schedule(bob, group.id, { clientMessageId: randomUUID(), content: 'gone', sendAt: soon(2_000) })).json() as Scheduled;
      const direct = await chat.direct(cy, ada);
      const blocked = (await schedule(cy, direct.id, { clientMessageId: randomUUID(), content: 'blocked', sendAt: soon(2_000) })).json() as Scheduled;
      expect((await call('DELETE', `/conversations/${group.id}/members/${bob.id}`, ada.auth)).statusCode).toBe(204);
      expect((await call('PUT', `/users/${cy.id}/block`, ada.auth)).statusCode).toBe(204);

      expect(await settled(call, bob, removed.id)).toMatchObject({ status: 'failed', messageId: null, failureReason: expect.stringMatching(/^NOT_FOUND/) });
      expect(await settled(call, cy, blocked.id)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/^BLOCKED/) });
      expect(
        ((await call('GET', `/conversations/${group.id}/messages`, ada.auth)).json().items as Array<{ content: string }>).map((m) => m.content),
      ).not.toContain('gone');
    });

    it('refuses strangers, other people’s scheduled messages, and bad input', async () => {
      const [ada, eve] = [await given.user(), await given.user()];
      const group = await chat.group(ada);
      expect((await schedule(eve, group.id, { clientMessageId: randomUUID(), content: 'x', sendAt: later() })).statusCode).toBe(404);
      const mine = (await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'mine', sendAt: later() })).json() as Scheduled;
      expect((await call('PATCH', `/scheduled/${mine.id}`, eve.auth, { content: 'hijack' })).statusCode).toBe(404);
      expect((await call('DELETE', `/scheduled/${mine.id}`, eve.auth)).statusCode).toBe(404);
      expect((await call('GET', '/scheduled', eve.auth)).json().items).toEqual([]);
      for (const body of [
        { clientMessageId: randomUUID(), content: 'past', sendAt: '2020-01-01T00:00:00Z' },
        { clientMessageId: randomUUID(), content: 'too far', sendAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
        { clientMessageId: randomUUID(), content: 'not a time', sendAt: 'tomorrow' },
        { clientMessageId: randomUUID(), sendAt: later() },
        { clientMessageId: 'nope', content: 'x', sendAt: later() },
        { clientMessageId: randomUUID(), content: 'x', sendAt: later(), status: 'sent' },
      ]) {
        const response = await schedule(ada, group.id, body);
        expect([response.statusCode, response.json().code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      expect((await call('PATCH', `/scheduled/${mine.id}`, ada.auth, { sendAt: '2020-01-01T00:00:00Z' })).statusCode).toBe(400);
      expect((await call('GET', '/scheduled?cursor=garbage', ada.auth)).statusCode).toBe(400);
    });

    it('caps the messages waiting per user (SCHEDULED_MESSAGES_PER_USER, 3 here) and pages the list by sendAt', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const times = [3, 1, 2].map((hours) => new Date(Date.now() + hours * 3_600_000).toISOString());
      for (const sendAt of times) expect((await schedule(ada, group.id, { clientMessageId: randomUUID(), content: sendAt, sendAt })).statusCode).toBe(201);
      const over = await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'one more', sendAt: later() });
      expect([over.statusCode, over.json().code]).toEqual([409, 'CONFLICT']);

      const page1 = (await call('GET', '/scheduled?limit=2', ada.auth)).json();
      const page2 = (await call('GET', `/scheduled?limit=2&cursor=${page1.nextCursor}`, ada.auth)).json();
      expect([...page1.items, ...page2.items].map((item: Scheduled) => item.sendAt)).toEqual([...times].sort());
      expect(page2.nextCursor).toBeNull();
    });

    it('takes API keys with messages:write, and refuses a key without it', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const reader = await given.apiKey(ada, { scopes: ['messages:read'] });
      const refused = await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'x', sendAt: later() }, reader.auth);
      expect([refused.statusCode, refused.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      expect((await call('GET', '/scheduled', reader.auth)).statusCode).toBe(200);
      const writer = await given.apiKey(ada, { scopes: ['messages:write'] });
      expect((await schedule(ada, group.id, { clientMessageId: randomUUID(), content: 'x', sendAt: later() }, writer.auth)).statusCode).toBe(201);
    });

    it('finishes a run that died after its send: the same message, not a second one', async () => {
      const ada = await given.user();
      const group = await chat.group(ada);
      const clientMessageId = randomUUID();
      const created = (await schedule(ada, group.id, { clientMessageId, content: 'exactly once', sendAt: soon(2_000) })).json() as Scheduled;
      // The state a crash leaves: the job had claimed the row and the send had committed.
      const sent = await call('POST', `/conversations/${group.id}/messages`, ada.auth, { clientMessageId, content: 'exactly once' });
      await running.app.get(DataSource).query(`UPDATE scheduled_message SET status = 'sending' WHERE id = $1`, [created.id]);
      const done = await settled(call, ada, created.id);
      expect(done).toMatchObject({ status: 'sent', messageId: sent.json().id });
      const history = (await call('GET', `/conversations/${group.id}/messages`, ada.auth)).json().items as unknown[];
      expect(history).toHaveLength(1);
    });
  });

  describe('across instances and restarts', () => {
    const apps: TestApp[] = [];
    afterEach(async () => {
      for (const app of apps.splice(0).reverse()) await app.close();
    });

    it('sends each message exactly once with two instances on one database', async () => {
      const a = await startTestApp(FAST);
      apps.push(a);
      const b = await startTestApp(FAST);
      apps.push(b);
      const given = builders(b);
      const chat = chatBuilders(b);
      const call = client(b);
      const ada = await given.user();
      const group = await chat.group(ada);
      const sendAt = soon(2_000);
      const ids: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        const response = await call('POST', `/conversations/${group.id}/scheduled`, ada.auth, { clientMessageId: randomUUID(), content: `m${index}`, sendAt });
        ids.push(response.json().id);
      }
      for (const id of ids) expect((await settled(call, ada, id)).status).toBe('sent');
      const history = (await call('GET', `/conversations/${group.id}/messages?limit=100`, ada.auth)).json().items as Array<{ content: string; seq: number }>;
      expect(history.map((message) => message.content).sort()).toEqual(Array.from({ length: 12 }, (_unused, index) => `m${index}`).sort());
      expect(new Set(history.map((message) => message.seq)).size).toBe(12);
    });

    it('keeps what was scheduled across a restart, and sends it from the next instance', async () => {
      const first = await startTestApp(FAST);
      apps.push(first);
      const given = builders(first);
      const ada = await given.user();
      const group = await chatBuilders(first).group(ada);
      const created = await client(first)('POST', `/conversations/${group.id}/scheduled`, ada.auth, {
        clientMessageId: randomUUID(),
        content: 'after restart',
        sendAt: soon(3_000),
      });
      expect(created.statusCode).toBe(201);
      await apps.pop()!.close();

      const second = await startTestApp(FAST);
      apps.push(second);
      const call = client(second);
      const done = await settled(call, ada, created.json().id);
      expect(done.status).toBe('sent');
      const history = (await call('GET', `/conversations/${group.id}/messages`, ada.auth)).json().items as Array<{ content: string }>;
      expect(history.map((message) => message.content)).toEqual(['after restart']);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventLog } from '../../src/events/event-log.service.js';
import { EventRetention } from '../../src/sync/event-retention.service.js';
import { chatBuilders, type ChatGiven, type GivenConversation } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, sleep, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface SyncEvent {
  type: string;
  data: { id?: string; conversationId?: string; content?: string | null; reactions?: Array<{ emoji: string; count: number; me: boolean }> };
  cursor: string;
}

interface SyncResult {
  events: SyncEvent[];
  cursor: string;
  hasMore: boolean;
  resyncRequired: boolean;
}

describe('catch-up with /api/v1/sync', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;
  /** Apps started by a test, closed by it — or in afterAll if the test failed first. */
  const others = new Set<TestApp>();
  async function startOther(): Promise<TestApp> {
    const app = await startTestApp({}, { listen: true });
    others.add(app);
    return app;
  }
  async function closeOther(app: TestApp): Promise<void> {
    others.delete(app);
    await app.close();
  }

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
  });

  afterAll(async () => {
    sockets.closeAll();
    for (const app of others) await app.close();
    await running.close();
  });

  async function sync(user: GivenUser, query: { since?: string; limit?: number } = {}, app: TestApp = running): Promise<SyncResult> {
    const search = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]));
    const response = await app.app.inject({ method: 'GET', url: `/api/v1/sync?${search}`, headers: user.auth });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  /** Pages through until `hasMore` is false, as a client does. */
  async function syncAll(user: GivenUser, since: string, limit?: number, app: TestApp = running) {
    const events: SyncEvent[] = [];
    let cursor = since;
    for (;;) {
      const page = await sync(user, { since: cursor, ...(limit ? { limit } : {}) }, app);
      expect(page.resyncRequired).toBe(false);
      events.push(...page.events);
      cursor = page.cursor;
      if (!page.hasMore) return { events, cursor };
    }
  }

  const flush = (app: TestApp = running) => app.app.get(EventLog).flush();
  /** The cursor after everything committed so far: an event committed but not yet sequenced would land after it. */
  const cursorNow = async (user: GivenUser) => {
    await flush();
    return (await sync(user)).cursor;
  };

  it('answers no events and the current cursor without `since`, and the same cursor when nothing happened since', async () => {
    const ada = await given.user();
    const first = await sync(ada);
    expect(first).toEqual({ events: [], cursor: expect.any(String), hasMore: false, resyncRequired: false });
    const again = await sync(ada, { since: first.cursor });
    expect(again.events).toEqual([]);
    expect(again.resyncRequired).toBe(false);
  });

  it('asks for a resync on a malformed cursor, one from another event log, and one from the future', async () => {
    const ada = await given.user();
    const { cursor } = await sync(ada);
    const inside = Buffer.from(cursor, 'base64url').toString();
    const [version, epoch, position] = inside.split(':');
    const forged = [
      'not-a-cursor',
      Buffer.from(`${version}:${'0'.repeat(32)}:${position}`).toString('base64url'),
      Buffer.from(`${version}:${epoch}:${BigInt(position) + 1_000_000n}`).toString('base64url'),
    ];
    for (const since of forged) {
      const answer = await sync(ada, { since });
      expect(answer).toEqual({ events: [], cursor: expect.any(String), hasMore: false, resyncRequired: true });
      expect((await sync(ada, { since: answer.cursor })).resyncRequired).toBe(false);
    }
  });

  it('refuses a limit outside 1–500', async () => {
    const ada = await given.user();
    for (const limit of ['0', '501', 'ten']) {
      const response = await running.app.inject({ method: 'GET', url: `/api/v1/sync?limit=${limit}`, headers: ada.auth });
      expect(response.statusCode).toBe(400);
    }
    expect((await running.app.inject({ method: 'GET', url: '/api/v1/sync' })).statusCode).toBe(401);
  });

  it('gives an offline client exactly what it missed, as the sockets showed it, with the same cursors', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const conversation = await chat.direct(ada, bob);
    const bobSocket = await sockets.connect(running.url, bob.accessToken);
    const seen = await chat.message(ada, conversation, 'seen live');
    const { meta } = await bobSocket.next('message.created', (message: { id: string }) => message.id === seen.id);
    bobSocket.close();

    const adaSocket = await sockets.connect(running.url, ada.accessToken);
    const missed = [await chat.message(ada, conversation, 'missed 1'), await chat.message(ada, conversation, 'missed 2')];
    const reacted = await running.app.inject({
      method: 'PUT',
      url: `/api/v1/conversations/${conversation.id}/messages/${missed[0].id}/reactions/${encodeURIComponent('🎉')}`,
      headers: ada.auth,
    });
    expect(reacted.statusCode).toBe(200);
    const live = await adaSocket.next<{ messageId: string }>('reaction.updated', (event) => event.messageId === missed[0].id);

    const { events } = await syncAll(bob, meta.cursor, 2);
    expect(events.map((event) => [event.type, event.data.id ?? event.data.conversationId])).toEqual([
      ['message.created', missed[0].id],
      ['message.created', missed[1].id],
      ['reaction.updated', conversation.id],
    ]);
    expect(events[2].data.reactions).toEqual([{ emoji: '🎉', count: 1, me: false }]);
    expect(events[2].cursor).toBe(live.meta.cursor);
    expect((await syncAll(ada, meta.cursor)).events.find((event) => event.type === 'reaction.updated')?.data.reactions).toEqual([
      { emoji: '🎉', count: 1, me: true },
    ]);
    for (const event of events) checker.checkServerEvent(event.type, [event.data, { cursor: event.cursor }]);
  });

  it('catches up exactly — no duplicates, no gaps — while many writers keep writing', async () => {
    const writers = await Promise.all(Array.from({ length: 6 }, () => given.user()));
    const reader = await given.user();
    const group = await chat.group(writers[0], [...writers.slice(1), reader]);
    const readerSocket = await sockets.connect(running.url, reader.accessToken);
    const start = await cursorNow(reader);

    let writing = true;
    const synced: SyncEvent[] = [];
    let cursor = start;
    const readLoop = (async () => {
      while (writing) {
        const page = await sync(reader, { since: cursor, limit: 7 });
        expect(page.resyncRequired).toBe(false);
        synced.push(...page.events);
        cursor = page.cursor;
        if (!page.hasMore) await sleep(3);
      }
    })();
    const writeLoops = writers.map(async (writer, index) => {
      for (let n = 0; n < 12; n++) {
        await chat.message(writer, group, `w${index} #${n}`);
        if (n % 4 === 3) await running.app.inject({ method: 'POST', url: `/api/v1/conversations/${group.id}/read`, headers: writer.auth, payload: { seq: n } });
      }
    });
    await Promise.all(writeLoops);
    await flush();
    writing = false;
    await readLoop;
    synced.push(...(await syncAll(reader, cursor)).events);

    const created = synced.filter((event) => event.type === 'message.created').map((event) => event.data.id!);
    const stored: Array<{ id: string }> = await running.app.get(DataSource).query(`SELECT id FROM message WHERE conversation_id = $1`, [group.id]);
    expect(created).toHaveLength(writers.length * 12);
    expect(new Set(created).size).toBe(created.length);
    expect(new Set(created)).toEqual(new Set(stored.map((row) => row.id)));
    expect(new Set(synced.map((event) => event.cursor)).size).toBe(synced.length);

    // The socket saw the same events, at the same cursors.
    await sleep(200);
    const liveCursors = new Map(readerSocket.all<{ id: string }>('message.created').map(({ payload, meta }) => [payload.id, meta.cursor]));
    const syncedCursors = new Map(synced.filter((event) => event.type === 'message.created').map((event) => [event.data.id!, event.cursor]));
    expect(liveCursors).toEqual(syncedCursors);
  }, 60_000);

  it('serves a member the events of its conversations only: after a removal, just conversation.removed', async () => {
    const [owner, member] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(owner, [member]);
    const since = await cursorNow(member);
    const before = await chat.message(owner, group, 'before');
    expect(
      (await running.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${group.id}/members/${member.id}`, headers: owner.auth })).statusCode,
    ).toBe(204);
    await chat.message(owner, group, 'after');
    await flush();

    const { events } = await syncAll(member, since);
    expect(events.map((event) => event.type)).toEqual(['conversation.removed']);
    expect(events[0].data).toEqual({ conversationId: group.id });
    expect((await syncAll(owner, since)).events.some((event) => event.data.id === before.id)).toBe(true);
  });

  describe('across instances and restarts', () => {
    let ada: GivenUser;
    let bob: GivenUser;
    let conversation: GivenConversation;

    beforeAll(async () => {
      [ada, bob] = await Promise.all([given.user(), given.user()]);
      conversation = await chat.direct(ada, bob);
    });

    // Without Redis the instances share no sockets, and whichever instance's sequencer picks an event up
    // emits it: live delivery across instances is the two-instance suite's subject. Here, what matters
    // is that the cursor works anywhere.
    it('gives a client that reconnects to another instance exactly what it missed', async () => {
      const other = await startOther();
      const onFirst = await sockets.connect(running.url, bob.accessToken);
      const last = await chat.message(ada, conversation, 'last seen on the first instance');
      const { meta } = await onFirst.next('message.created', (message: { id: string }) => message.id === last.id);
      onFirst.close();

      const missed = [await chat.message(ada, conversation, 'missed a'), await chat.message(ada, conversation, 'missed b')];
      const onSecond = await sockets.connect(other.url, bob.accessToken);
      const { events, cursor } = await syncAll(bob, meta.cursor, undefined, other);
      expect(events.map((event) => event.data.id)).toEqual(missed.map((message) => message.id));

      const ack = await onSecond.request<{ id: string }>('message.send', {
        conversationId: conversation.id,
        clientMessageId: randomUUID(),
        content: 'from the second instance',
      });
      expect(ack.ok).toBe(true);
      await flush(other);
      const next = await syncAll(bob, cursor, undefined, other);
      expect(next.events.map((event) => event.data.id)).toEqual([(ack as { data: { id: string } }).data.id]);
      onSecond.close();
      await closeOther(other);
    });

    it('gives a client of a server that restarted exactly what it missed, with its old cursor', async () => {
      let server = await startOther();
      const socket = await sockets.connect(server.url, bob.accessToken);
      await chat.message(ada, conversation, 'before the restart');
      await flush();
      const { cursor: old } = await sync(bob, {}, server);
      const reason = socket.disconnected();
      await closeOther(server);
      // Shutdown closes the transport: a client reconnects by itself (to another instance, or this one once back).
      await expect(reason).resolves.toBe('transport close');

      const missed = await chat.message(ada, conversation, 'while it was down');
      server = await startOther();
      const after = await sockets.connect(server.url, bob.accessToken);
      const { events, cursor } = await syncAll(bob, old, undefined, server);
      expect(events.map((event) => event.data.id)).toEqual([missed.id]);
      expect(cursor).toBe(events[0].cursor);
      after.close();
      await closeOther(server);
    });
  });

  describe('retention', () => {
    it('deletes events older than SYNC_RETENTION and asks a client whose cursor predates them to resync', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const conversation = await chat.direct(ada, bob);
      const ancient = await cursorNow(bob);
      await chat.message(ada, conversation, 'old news');
      await flush();
      const boundary = await cursorNow(bob);
      const fresh = await chat.message(ada, conversation, 'fresh');
      await flush();

      const database = running.app.get(DataSource);
      const [{ position }] = await database.query(
        `SELECT max(position) AS position FROM chat_event WHERE conversation_id = $1 AND data->>'content' = 'old news'`,
        [conversation.id],
      );
      await database.query(`UPDATE chat_event SET created_at = now() - interval '31 days' WHERE position <= $1`, [position]);
      expect(await running.app.get(EventRetention).prune()).toBeGreaterThan(0);
      expect(await database.query(`SELECT 1 FROM chat_event WHERE position <= $1`, [position])).toEqual([]);

      const stale = await sync(bob, { since: ancient });
      expect(stale).toMatchObject({ events: [], resyncRequired: true });
      const { events } = await syncAll(bob, boundary);
      expect(events.map((event) => event.data.id)).toEqual([fresh.id]);
    });
  });

  it('saw only events and acknowledgements that match the AsyncAPI document', () => {
    expect(checker.violations).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { conversationListQuery } from '../../src/memberships/conversations.repository.js';
import type { SqlQuery } from '../../src/database/sql.js';
import { visibleEventsQuery } from '../../src/access/access.repository.js';
import { boundsPart } from '../../src/events/event-log.repository.js';
import { syncPageQuery } from '../../src/sync/sync.service.js';
import { historyQuery, SHORT_SEARCH_CONVERSATIONS, SHORT_SEARCH_MESSAGES, searchQuery, unreadCountsQuery } from '../../src/messages/messages.repository.js';
import { useTestApp } from '../support/use-test-app.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The queries the repositories run, planned by the database on tables big enough that a sequential scan
 * would be the planner's choice if no index served them. Seeded in bulk with SQL, then ANALYZEd.
 */
describe('query plans of history, conversation list, unread counts and search', () => {
  const app = useTestApp();
  let database: DataSource;
  const tag = randomUUID().slice(0, 8);
  let reader = '';
  let busy = '';
  const MESSAGES = 20_000;
  const CONVERSATIONS = 20_000;
  const USERS = 400;

  beforeAll(async () => {
    database = app.running.app.get(DataSource);
    // Ids derived from a number (md5 → uuid), so every table can be filled with one INSERT … SELECT.
    const id = (kind: string, n: string) => `md5('${tag}:${kind}:' || ${n})::uuid`;
    await database.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO users (id, email, username, display_name, password_hash)
         SELECT ${id('user', 'g')}, 'plan_' || $1::text || '_' || g || '@example.test', 'p' || $1::text || '_' || g, 'Plan ' || g, 'x'
           FROM generate_series(1, $2::int) g`,
        [tag, USERS],
      );
      // 20,000 groups, the newest first; conversation 1 is the busy one.
      await manager.query(
        `INSERT INTO conversation (id, type, title, last_seq, last_message_at, created_at)
         SELECT ${id('conversation', 'g')}, 'group', 'plan ' || g, CASE WHEN g = 1 THEN $1 ELSE 1 END,
                now() - make_interval(secs => g), now() - interval '1 day'
           FROM generate_series(1, $2::int) g`,
        [MESSAGES, CONVERSATIONS],
      );
      // Two members in each; user 1, the reader, also in every 50th (400 conversations, the busy one included).
      await manager.query(
        `INSERT INTO conversation_member (conversation_id, user_id, role)
         SELECT DISTINCT ${id('conversation', 'g')}, ${id('user', 'u')}, 'member'
           FROM generate_series(1, $1::int) g,
                LATERAL (VALUES (2 + g % ($2 - 1)), (2 + (g * 7 + 3) % ($2 - 1)), (CASE WHEN g % 50 = 1 THEN 1 END)) AS p(u)
          WHERE u IS NOT NULL`,
        [CONVERSATIONS, USERS],
      );
      // 20,000 messages in the busy conversation, half from the reader; a rare word in one of each thousand.
      await manager.query(
        `INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
         SELECT ${id('conversation', '1')}, g, ${id('user', 'CASE WHEN g % 2 = 0 THEN 1 ELSE 2 + 1 % ($2 - 1) END')},
                'message number ' || g || ' about ' || CASE WHEN g % 1000 = 0 THEN 'kubernetes 北京烤鸭' ELSE (ARRAY['weather', 'lunch', 'deploys'])[1 + g % 3] END,
                gen_random_uuid(), now() - make_interval(secs => $1 - g)
           FROM generate_series(1, $1::int) g`,
        [MESSAGES, USERS],
      );
      // One message in each of the others.
      await manager.query(
        `INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
         SELECT ${id('conversation', 'g')}, 1, ${id('user', '2 + g % ($2 - 1)')}, 'hello ' || g, gen_random_uuid(), now() - make_interval(secs => g)
           FROM generate_series(2, $1::int) g`,
        [CONVERSATIONS, USERS],
      );
      // The event log: 3 events in each conversation (60,000) and one addressed to each member of each.
      await manager.query(
        `INSERT INTO chat_event (position, type, conversation_id, data)
         SELECT nextval('chat_event_position_seq'), 'receipt', ${id('conversation', 'g')}, '{}'::jsonb
           FROM generate_series(1, $1::int) g, generate_series(1, 3) k`,
        [CONVERSATIONS],
      );
      await manager.query(
        `INSERT INTO chat_event (position, type, user_id, data)
         SELECT nextval('chat_event_position_seq'), 'conversation.updated', mb.user_id, '{}'::jsonb
           FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id WHERE c.title LIKE 'plan %'`,
      );
      [{ reader, busy }] = await manager.query(`SELECT ${id('user', '1')} AS reader, ${id('conversation', '1')} AS busy`);
    });
    // Statistics from every row rather than a random sample, so the plans are the same on every run.
    await database.transaction(async (manager) => {
      await manager.query('SET LOCAL default_statistics_target = 1000');
      await manager.query('ANALYZE users, conversation, conversation_member, message, chat_event');
    });
  });

  async function plan({ sql, parameters }: SqlQuery, analyze = false): Promise<PlanNode[]> {
    const [row] = await database.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`, parameters);
    const document = typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN'];
    return nodesOf(document[0].Plan);
  }

  const seqScans = (nodes: PlanNode[]) =>
    nodes.filter(
      (node) => node['Node Type'] === 'Seq Scan' && ['message', 'conversation_member', 'conversation', 'chat_event'].includes(node['Relation Name'] ?? ''),
    );
  const indexesUsed = (nodes: PlanNode[]) => nodes.map((node) => node['Index Name']).filter(Boolean);

  it('seeded what it meant to', async () => {
    const [{ messages, memberships }] = await database.query(
      `SELECT (SELECT count(*)::int FROM message WHERE conversation_id = $1) AS messages,
              (SELECT count(*)::int FROM conversation_member WHERE user_id = $2) AS memberships`,
      [busy, reader],
    );
    expect(messages).toBe(MESSAGES);
    expect(memberships).toBe(CONVERSATIONS / 50);
  });

  it.each([
    ['the newest page', { limit: 51 }],
    ['the first page of the conversation', { before: 52, limit: 51 }],
    ['a page after a seq', { after: 10, limit: 101 }],
    ['a page in the middle', { before: 10_000, limit: 101 }],
  ])('serves %s of history from message_conversation_seq_uq', async (_what, window) => {
    const nodes = await plan(historyQuery({ conversationId: busy, ...window }));
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('message_conversation_seq_uq');
  });

  it('lists conversations through the membership index, on the first page and after a cursor', async () => {
    for (const query of [
      conversationListQuery({ userId: reader, limit: 51 }),
      conversationListQuery({ userId: reader, after: { positionAt: new Date(Date.now() - 3_600_000).toISOString(), id: randomUUID() }, limit: 51 }),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('conversation_member_user_idx');
    }
  });

  it('counts unread messages by index range scans from each read marker', async () => {
    const rows: Array<{ conversation_id: string }> = await database.query(
      'SELECT conversation_id FROM conversation_member WHERE user_id = $1 AND conversation_id <> $2 LIMIT 50',
      [reader, busy],
    );
    const pairs = rows.map((row) => ({ conversationId: row.conversation_id, userId: reader, lastReadSeq: 0 }));
    pairs.push({ conversationId: busy, userId: reader, lastReadSeq: MESSAGES - 20 });
    const nodes = await plan(unreadCountsQuery(pairs));
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('message_conversation_seq_uq');
  });

  it('searches through the trigram index, never scanning every message', async () => {
    const readerConversations: Array<{ conversation_id: string }> = await database.query('SELECT conversation_id FROM conversation_member WHERE user_id = $1', [
      reader,
    ]);
    for (const search of [
      { conversationIds: readerConversations.map((row) => row.conversation_id), q: 'kubernetes', limit: 51 },
      { conversationIds: [busy], q: '北京烤鸭', limit: 51 },
    ]) {
      const nodes = await plan(searchQuery(search));
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('message_content_trgm_idx');
    }
  });

  it('serves /sync from range scans of the events of each membership and of the user, merged — never the whole log', async () => {
    const [{ head }] = await database.query('SELECT max(position)::text AS head FROM chat_event');
    // From the start of the log, and from a cursor halfway through what was seeded.
    for (const since of [0n, BigInt(head) - 40_000n]) {
      const visible = visibleEventsQuery(reader, since, 501);
      // Alone, and inside /sync's one statement with the log's bounds.
      for (const query of [visible, syncPageQuery(boundsPart(), { ctes: [['visible', visible.sql]], parameters: visible.parameters }, since)]) {
        const nodes = await plan(query);
        expect([since, seqScans(nodes)]).toEqual([since, []]);
        expect([since, indexesUsed(nodes)]).toEqual([
          since,
          expect.arrayContaining(['conversation_member_user_idx', 'chat_event_conversation_position_idx', 'chat_event_user_position_idx']),
        ]);
      }
    }
  });

  it('bounds a search of terms too short for the trigram index to the newest messages of recent conversations', async () => {
    const bound = SHORT_SEARCH_MESSAGES * SHORT_SEARCH_CONVERSATIONS;
    const readerConversations: Array<{ conversation_id: string }> = await database.query('SELECT conversation_id FROM conversation_member WHERE user_id = $1', [
      reader,
    ]);
    const all = readerConversations.map((row) => row.conversation_id);
    for (const search of [
      // Two letters that match nothing: without the bound, every message of the reader's 400 conversations.
      { conversationIds: all, q: 'zq', limit: 51 },
      { conversationIds: all, q: 'zq 北', limit: 51 },
      { conversationIds: [busy], named: true, q: 'zq', limit: 51 },
    ]) {
      const nodes = await plan(searchQuery(search), true);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('message_conversation_seq_uq');
      // Rows of message read, kept or filtered out: each scan's range is bounded by seq.
      const rowsRead = nodes
        .filter((node) => node['Relation Name'] === 'message')
        .reduce((sum, node) => sum + ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1), 0);
      expect(rowsRead).toBeGreaterThan(0);
      expect(rowsRead).toBeLessThanOrEqual(bound);
    }
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bringBackQuery, conversationListQuery } from '../../src/memberships/conversations.repository.js';
import type { SqlQuery } from '../../src/database/sql.js';
import { draftListQuery } from '../../src/memberships/drafts.repository.js';
import {
  mentionListQuery,
  pinListQuery,
  threadListQuery,
  threadQuery,
  unreadMentionsQuery,
  unreadRepliesQuery,
} from '../../src/messages/messages.repository.js';
import { useTestApp } from '../support/use-test-app.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The queries behind threads, the threads list, mentions, unread mentions and pins, planned on tables big
 * enough that a sequential scan would win if no index served them (as chat-query-plans does for history).
 */
describe('query plans of threads, mentions, pins, the conversation list with per-user state, and drafts', () => {
  const app = useTestApp();
  let database: DataSource;
  const tag = randomUUID().slice(0, 8);
  let reader = '';
  let busy = '';
  let root = '';
  const MESSAGES = 20_000;
  const CONVERSATIONS = 2_000;
  const USERS = 400;

  beforeAll(async () => {
    database = app.running.app.get(DataSource);
    const id = (kind: string, n: string) => `md5('${tag}:${kind}:' || ${n})::uuid`;
    await database.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO users (id, email, username, display_name, password_hash)
         SELECT ${id('user', 'g')}, 'depth_' || $1::text || '_' || g || '@example.test', 'd' || $1::text || '_' || g, 'Depth ' || g, 'x'
           FROM generate_series(1, $2::int) g`,
        [tag, USERS],
      );
      await manager.query(
        `INSERT INTO conversation (id, type, title, last_seq, last_message_at, created_at)
         SELECT ${id('conversation', 'g')}, 'group', 'depth ' || $3::text || ' ' || g, CASE WHEN g = 1 THEN $1 ELSE 0 END, now() - make_interval(secs => g), now() - interval '1 day'
           FROM generate_series(1, $2::int) g`,
        [MESSAGES, CONVERSATIONS, tag],
      );
      // Every user in the busy conversation; two in each other one, and the reader (user 1) in every 10th.
      await manager.query(
        `INSERT INTO conversation_member (conversation_id, user_id, role)
         SELECT DISTINCT c, u, 'member' FROM (
           SELECT ${id('conversation', '1')} AS c, ${id('user', 'g')} AS u FROM generate_series(1, $2::int) g
           UNION ALL
           SELECT ${id('conversation', 'g')}, ${id('user', 'u')} FROM generate_series(2, $1::int) g,
                  LATERAL (VALUES (2 + g % ($2 - 1)), (2 + (g * 7 + 3) % ($2 - 1)), (CASE WHEN g % 10 = 1 THEN 1 END)) AS p(u)
            WHERE u IS NOT NULL) members`,
        [CONVERSATIONS, USERS],
      );
      // 20,000 messages in the busy conversation: a root every 100th, a quarter of the others replies in its thread; every 50th pinned.
      await manager.query(
        `INSERT INTO message (id, conversation_id, seq, sender_id, content, client_message_id, created_at, thread_root_id, pinned_at)
         SELECT ${id('message', 'g')}, ${id('conversation', '1')}, g, ${id('user', '1 + g % $2')}, 'message ' || g, gen_random_uuid(),
                now() - make_interval(secs => $1 - g),
                CASE WHEN g % 100 <> 1 AND g % 4 = 0 THEN ${id('message', '((g - 1) / 100) * 100 + 1')} END,
                CASE WHEN g % 50 = 0 THEN now() - make_interval(secs => $1 - g) END
           FROM generate_series(1, $1::int) g`,
        [MESSAGES, USERS],
      );
      // 200 threads × 100 participants (the reader in every one): 20,000 rows.
      await manager.query(
        `INSERT INTO thread_participant (root_id, user_id, conversation_id, last_reply_at)
         SELECT ${id('message', '(r - 1) * 100 + 1')}, ${id('user', 'CASE WHEN k = 1 THEN 1 ELSE 1 + (r + k) % $1 END')}, ${id('conversation', '1')},
                now() - make_interval(secs => 200 - r)
           FROM generate_series(1, 200) r, generate_series(1, 100) k
         ON CONFLICT DO NOTHING`,
        [USERS],
      );
      // Each message mentions one user; every 10th also the reader.
      await manager.query(
        `INSERT INTO message_mention (message_id, user_id, conversation_id, seq, created_at)
         SELECT ${id('message', 'g')}, ${id('user', 'u')}, ${id('conversation', '1')}, g, now() - make_interval(secs => $1 - g)
           FROM generate_series(1, $1::int) g, LATERAL (VALUES (2 + g % ($2 - 1)), (CASE WHEN g % 10 = 0 THEN 1 END)) AS p(u)
          WHERE u IS NOT NULL`,
        [MESSAGES, USERS],
      );
      // Every member has a draft in each of their conversations (of this run: the suite may run twice on one
      // database), edited up to 1,000 s ago by a hash, not random(), so every run plans the same data; a
      // third of the reader's are pinned, a third archived.
      await manager.query(
        `INSERT INTO draft (user_id, conversation_id, thread_key, content, updated_at)
         SELECT user_id, conversation_id, '00000000-0000-0000-0000-000000000000', 'draft',
                now() - make_interval(secs => abs(hashtext(conversation_id::text || user_id::text)) % 1000)
           FROM conversation_member WHERE conversation_id IN (SELECT id FROM conversation WHERE title LIKE 'depth ' || $1::text || ' %')`,
        [tag],
      );
      await manager.query(
        `UPDATE conversation_member SET pinned_at = CASE WHEN n % 3 = 0 THEN now() - make_interval(secs => n) END, archived = (n % 3 = 1)
           FROM (SELECT conversation_id AS c, row_number() OVER (ORDER BY conversation_id) AS n FROM conversation_member WHERE user_id = ${id('user', '1')}) r
          WHERE user_id = ${id('user', '1')} AND conversation_id = r.c`,
      );
      [{ reader, busy, root }] = await manager.query(
        `SELECT ${id('user', '1')} AS reader, ${id('conversation', '1')} AS busy, ${id('message', '101')} AS root`,
      );
    });
    await database.transaction(async (manager) => {
      await manager.query('SET LOCAL default_statistics_target = 1000');
      await manager.query('ANALYZE users, conversation, conversation_member, message, thread_participant, message_mention, draft');
    });
  });

  async function plan({ sql, parameters }: SqlQuery): Promise<PlanNode[]> {
    const [row] = await database.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
    const document = typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN'];
    return nodesOf(document[0].Plan);
  }

  const seqScans = (nodes: PlanNode[]) =>
    nodes.filter(
      (node) =>
        node['Node Type'] === 'Seq Scan' &&
        ['message', 'conversation_member', 'conversation', 'thread_participant', 'message_mention', 'draft'].includes(node['Relation Name'] ?? ''),
    );
  const indexesUsed = (nodes: PlanNode[]) => nodes.map((node) => node['Index Name']).filter(Boolean);

  it('seeded what it meant to', async () => {
    const [{ replies, participants, mentions }] = await database.query(
      `SELECT (SELECT count(*)::int FROM message WHERE thread_root_id = $1) AS replies,
              (SELECT count(*)::int FROM thread_participant WHERE user_id = $2) AS participants,
              (SELECT count(*)::int FROM message_mention WHERE user_id = $2) AS mentions`,
      [root, reader],
    );
    expect([replies, participants, mentions]).toEqual([25, 200, MESSAGES / 10]);
  });

  it.each([
    ['the first page', 0],
    ['a page after a seq', 150],
  ])('serves %s of a thread from message_thread_seq_idx', async (_what, after) => {
    const nodes = await plan(threadQuery(root, after, 51));
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('message_thread_seq_idx');
  });

  it('lists the threads of a user through thread_participant indexes, in every conversation or one, after a cursor too', async () => {
    const before = { lastReplyAt: new Date(Date.now() - 50_000).toISOString(), rootId: randomUUID() };
    // (For one conversation either index serves: all of the reader's threads here are in the busy one.)
    for (const query of [
      threadListQuery({ userId: reader, limit: 51 }),
      threadListQuery({ userId: reader, before, limit: 51 }),
      threadListQuery({ userId: reader, conversationId: busy, limit: 51 }),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes).filter((name) => name?.startsWith('thread_participant_user'))).not.toEqual([]);
      expect(indexesUsed(nodes)).toContain('conversation_member_pk');
    }
  });

  it('counts unread replies by range scans of each thread from its marker', async () => {
    const roots: Array<{ id: string }> = await database.query(`SELECT id FROM message WHERE conversation_id = $1 AND seq % 100 = 1 LIMIT 50`, [busy]);
    const nodes = await plan(unreadRepliesQuery(roots.map((row) => ({ rootId: row.id, userId: reader, lastReadSeq: 0 }))));
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('message_thread_seq_idx');
  });

  it('lists mentions of a user through message_mention_user_idx, and counts unread ones through message_mention_unread_idx', async () => {
    for (const query of [
      mentionListQuery(reader, undefined, 51),
      mentionListQuery(reader, { createdAt: new Date(Date.now() - 3_600_000).toISOString(), id: randomUUID() }, 51),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('message_mention_user_idx');
    }
    const memberships: Array<{ conversation_id: string }> = await database.query('SELECT conversation_id FROM conversation_member WHERE user_id = $1', [
      reader,
    ]);
    const nodes = await plan(
      unreadMentionsQuery(memberships.map((row) => ({ conversationId: row.conversation_id, userId: reader, lastReadSeq: MESSAGES - 100 }))),
    );
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('message_mention_unread_idx');
  });

  it('lists pins through message_pinned_idx', async () => {
    for (const query of [
      pinListQuery(busy, undefined, 51),
      pinListQuery(busy, { pinnedAt: new Date(Date.now() - 3_600_000).toISOString(), id: randomUUID() }, 51),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('message_pinned_idx');
    }
  });

  it('lists conversations — pinned first, archived or not — through the membership index, after either kind of cursor', async () => {
    const positionAt = new Date(Date.now() - 3_600_000).toISOString();
    for (const query of [
      conversationListQuery({ userId: reader, limit: 51 }),
      conversationListQuery({ userId: reader, archived: true, limit: 51 }),
      conversationListQuery({ userId: reader, after: { positionAt, id: randomUUID(), pinned: true }, limit: 51 }),
      conversationListQuery({ userId: reader, after: { positionAt, id: randomUUID(), pinned: false }, limit: 51 }),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('conversation_member_user_idx');
    }
  });

  it('brings back who archived a conversation through conversation_member_away_idx, not every member', async () => {
    const nodes = await plan(bringBackQuery(busy, reader));
    expect(seqScans(nodes)).toEqual([]);
    expect(indexesUsed(nodes)).toContain('conversation_member_away_idx');
  });

  it('lists drafts through draft_user_updated_idx, after a cursor too', async () => {
    for (const query of [
      draftListQuery(reader, undefined, 51),
      draftListQuery(reader, { updatedAt: new Date(Date.now() - 500_000).toISOString(), conversationId: busy, threadKey: randomUUID() }, 51),
    ]) {
      const nodes = await plan(query);
      expect(seqScans(nodes)).toEqual([]);
      expect(indexesUsed(nodes)).toContain('draft_user_updated_idx');
    }
  });
});

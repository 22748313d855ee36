import type { LinkPreview } from './link-preview.types.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, selectOne, selectPrepared, type SqlQuery, type StatementPart } from '../database/sql.js';
import { TAKE_NEXT_SEQ_SQL } from '../memberships/conversations.repository.js';
import { escapeLike } from '../users/users.repository.js';
import type { ForwardedFrom } from './message.entity.js';
import type { MessageRow, ReactionData } from './message.mapper.js';

/** A message with its sender's public name, as every read of messages selects it. */
const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.seq, m.sender_id, u.username AS sender_username,
       u.display_name AS sender_display_name, u.avatar_media_id AS sender_avatar_media_id, u.is_bot AS sender_is_bot, m.content, m.reply_to_id, m.client_message_id,
       m.created_at, m.edited_at, m.deleted_at, m.thread_root_id, m.also_to_conversation, m.reply_count, m.last_reply_at,
       m.thread_participant_ids::text[] AS thread_participant_ids, m.pinned_at, m.forwarded_from, m.metadata, m.preview`;
const MESSAGE_SELECT = `SELECT ${MESSAGE_COLUMNS} FROM message m JOIN users u ON u.id = m.sender_id`;

/** A search hit also carries its exact time (microseconds, which a JS Date would lose) for the cursor. */
export type SearchHit = MessageRow & { position_at: string };

/**
 * What messages carry beside their rows — reactions, attachment ids, mentions — as a part of one statement
 * (`messageDetailsQuery`): the CTEs `h_reactions`, `h_attachments` and `h_mentions` are one row each, `list`
 * a JSON array in the order the separate look-ups (`reactionsOf`, `attachmentIdsOf`, `mentionsOf`) answer.
 */
export function messageDetailsPart(messageIds: string[]): StatementPart {
  return {
    ctes: [
      [
        'h_reactions',
        `SELECT coalesce(json_agg(json_build_object('m', r.message_id, 'e', r.emoji, 'u', r.user_ids) ORDER BY r.message_id, r.first_at, r.emoji), '[]'::json) AS list
           FROM (SELECT message_id, emoji, array_agg(user_id::text ORDER BY created_at, user_id) AS user_ids, min(created_at) AS first_at
                   FROM message_reaction WHERE message_id = ANY($1::uuid[]) GROUP BY message_id, emoji) r`,
      ],
      [
        'h_attachments',
        `SELECT coalesce(json_agg(json_build_object('m', message_id, 'id', media_id) ORDER BY message_id, position), '[]'::json) AS list
           FROM message_attachment WHERE message_id = ANY($1::uuid[])`,
      ],
      [
        'h_mentions',
        `SELECT coalesce(json_agg(json_build_object('m', message_id, 'u', user_id) ORDER BY message_id, user_id), '[]'::json) AS list
           FROM message_mention WHERE message_id = ANY($1::uuid[])`,
      ],
    ],
    parameters: [messageIds],
  };
}

export interface HistoryWindow {
  conversationId: string;
  /** Messages below this seq (older), newest of them first in the scan. */
  before?: number;
  /** Messages above this seq (newer). */
  after?: number;
  /** Rows to fetch: the page size plus one, to know whether more follow. */
  limit: number;
}

/**
 * One history page: a range scan of `message_conversation_seq_uq` from the cursor, so the first page of a
 * conversation with a million messages costs what the newest does. Exported for the EXPLAIN test.
 */
export function historyQuery({ conversationId, before, after, limit }: HistoryWindow): SqlQuery {
  if (after !== undefined) {
    return { sql: `${MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`, parameters: [conversationId, after, limit] };
  }
  if (before !== undefined) {
    return { sql: `${MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`, parameters: [conversationId, before, limit] };
  }
  return { sql: `${MESSAGE_SELECT} WHERE m.conversation_id = $1 ORDER BY m.seq DESC LIMIT $2`, parameters: [conversationId, limit] };
}

/** Scripts written without spaces between words: a term in them matches anywhere, not only at a word start. */
const SPACELESS_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const MAX_TERMS = 8;
/** A trigram index serves terms of at least this many characters; shorter ones have no trigram. */
const INDEXED_TERM_LENGTH = 3;
/**
 * A search whose every term is shorter than that can't use the index, so it would scan every message
 * of the caller's conversations (a second or more for a 2-letter term that matches nothing). It looks
 * only at the newest `SHORT_SEARCH_MESSAGES` messages of each of the caller's `SHORT_SEARCH_CONVERSATIONS`
 * most recently active conversations — or at the newest `SHORT_SEARCH_MESSAGES × SHORT_SEARCH_CONVERSATIONS`
 * of the one conversation named — each a range scan of `message_conversation_seq_uq`: at most 20,000 rows.
 */
export const SHORT_SEARCH_CONVERSATIONS = 20;
export const SHORT_SEARCH_MESSAGES = 1_000;

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (character) => `\\${character}`);
}

export interface MessageSearch {
  /** The conversations to search: the one asked for, or all the caller's (`conversation.read` decides). */
  conversationIds: string[];
  /** True when the caller named the one conversation to search (a short search then looks further back). */
  named?: boolean;
  q: string;
  /** The last message of the previous page. */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** The search's terms: distinct, at most `MAX_TERMS`. */
export function searchTerms(q: string): string[] {
  return [...new Set(q.split(/\s+/).filter(Boolean))].slice(0, MAX_TERMS);
}

/** True when no term of `q` can be served by the trigram index (see `SHORT_SEARCH_MESSAGES`). */
export function isShortSearch(q: string): boolean {
  return searchTerms(q).every((term) => [...term].length < INDEXED_TERM_LENGTH);
}

/**
 * Every whitespace-separated term of `q` must occur in the message, case-insensitively: at the start of a
 * word (a whole word or a word prefix), or anywhere for CJK and other scripts written without spaces.
 * `lower(content) LIKE '%term%'` is what `message_content_trgm_idx` serves (trigrams work for any script);
 * the regular expression then keeps only matches at a word start. A search of short terms only is
 * bounded instead (`SHORT_SEARCH_MESSAGES`). Newest first; deleted messages never match.
 */
export function searchQuery({ conversationIds, named = false, q, before, limit }: MessageSearch): SqlQuery {
  const parameters: unknown[] = [];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const conditions = ['m.deleted_at IS NULL'];
  let from = 'message m';
  if (isShortSearch(q)) {
    const newest = named ? SHORT_SEARCH_MESSAGES * SHORT_SEARCH_CONVERSATIONS : SHORT_SEARCH_MESSAGES;
    // Each conversation read by its key (`OFFSET 0` keeps the planner from scanning the table instead).
    const scope = `SELECT c.id, c.last_seq
                     FROM unnest(${param(conversationIds)}::uuid[]) AS wanted(id)
                    CROSS JOIN LATERAL (SELECT * FROM conversation WHERE id = wanted.id OFFSET 0) c
                    ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC
                    LIMIT ${SHORT_SEARCH_CONVERSATIONS}`;
    from = `(${scope}) scope JOIN message m ON m.conversation_id = scope.id AND m.seq > scope.last_seq - ${newest}`;
  } else {
    conditions.push(
      conversationIds.length === 1 ? `m.conversation_id = ${param(conversationIds[0])}` : `m.conversation_id = ANY(${param(conversationIds)}::uuid[])`,
    );
  }
  for (const term of searchTerms(q)) {
    conditions.push(`lower(m.content) LIKE lower(${param(`%${escapeLike(term)}%`)})`);
    if (!SPACELESS_SCRIPT.test(term)) conditions.push(`lower(m.content) ~ lower(${param(`(^|[^[:alnum:]_])${escapeRegex(term)}`)})`);
  }
  if (before) conditions.push(`(m.created_at, m.id) < (${param(before.createdAt)}::timestamptz, ${param(before.id)}::uuid)`);
  return {
    sql: `SELECT ${MESSAGE_COLUMNS}, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
            FROM ${from} JOIN users u ON u.id = m.sender_id
           WHERE ${conditions.join(' AND ')}
           ORDER BY m.created_at DESC, m.id DESC LIMIT ${param(limit)}`,
    parameters,
  };
}

/**
 * Unread messages of each (conversation, member) pair: messages from others above the member's read
 * marker, deleted ones not counted. Each pair is a range scan of `message_conversation_seq_uq` that starts
 * at the read marker, so it costs what is unread, not the conversation's size. Thread replies sent with
 * `alsoToConversation: false` are not counted. Exported for EXPLAIN.
 */
export function unreadCountsQuery(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>): SqlQuery {
  return {
    // LATERAL: one range scan of message_conversation_seq_uq per marker, whatever the planner thinks of
    // the table's size (as a join it chose a scan of every message once the table was small enough).
    sql: `SELECT p.conversation_id, p.user_id, u.unread
            FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS p(conversation_id, user_id, last_read_seq)
           CROSS JOIN LATERAL (SELECT count(*)::int AS unread FROM message m
                                WHERE m.conversation_id = p.conversation_id AND m.seq > p.last_read_seq
                                  AND m.sender_id <> p.user_id AND m.deleted_at IS NULL AND m.also_to_conversation) u`,
    parameters: [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.userId), pairs.map((pair) => pair.lastReadSeq)],
  };
}

/** `unreadCountsQuery` as a part of one statement: the CTE `x_unread` is one row, `list` a JSON array of `{ c, u, n }`. */
export function unreadCountsPart(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>): StatementPart {
  const { sql, parameters } = unreadCountsQuery(pairs);
  return { ctes: [['x_unread', countsList(sql)]], parameters };
}

/** `unreadMentionsQuery` as a part of one statement: the CTE `x_mentions`, like `x_unread`. */
export function unreadMentionsPart(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>): StatementPart {
  const { sql, parameters } = unreadMentionsQuery(pairs);
  return { ctes: [['x_mentions', countsList(sql)]], parameters };
}

const countsList = (sql: string) =>
  `SELECT coalesce(json_agg(json_build_object('c', q.conversation_id, 'u', q.user_id, 'n', q.unread)), '[]'::json) AS list FROM (${sql}) q`;

/**
 * One page of a thread's replies, ascending seq after `after`: a range scan of `message_thread_seq_idx`,
 * so a thread's page costs what it shows whatever the size of the conversation. Exported for EXPLAIN.
 */
export function threadQuery(rootId: string, after: number, limit: number): SqlQuery {
  return { sql: `${MESSAGE_SELECT} WHERE m.thread_root_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`, parameters: [rootId, after, limit] };
}

export interface ThreadListWindow {
  userId: string;
  conversationId?: string;
  /** Where the previous page ended. */
  before?: { lastReplyAt: string; rootId: string };
  limit: number;
}

/** A thread the user is in, as the list reads it (with its exact sort time, for the cursor). */
export interface ThreadListRow {
  root_id: string;
  last_read_seq: string;
  position_at: string;
}

/**
 * The threads a user is in, the most recently active first: a range scan of `thread_participant_user_idx`
 * (or `thread_participant_user_conversation_idx` for one conversation) from the cursor, each row checked
 * against the user's current membership by its key — a member who left sees none of its threads.
 * Exported for the EXPLAIN test.
 */
export function threadListQuery({ userId, conversationId, before, limit }: ThreadListWindow): SqlQuery {
  const parameters: unknown[] = [userId];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const conditions = ['tp.user_id = $1'];
  if (conversationId) conditions.push(`tp.conversation_id = ${param(conversationId)}`);
  if (before) conditions.push(`(tp.last_reply_at, tp.root_id) < (${param(before.lastReplyAt)}::timestamptz, ${param(before.rootId)}::uuid)`);
  return {
    sql: `SELECT tp.root_id, tp.last_read_seq, to_char(tp.last_reply_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
            FROM thread_participant tp
           WHERE ${conditions.join(' AND ')}
             AND EXISTS (SELECT 1 FROM conversation_member mb WHERE mb.conversation_id = tp.conversation_id AND mb.user_id = tp.user_id)
           ORDER BY tp.user_id DESC, ${conversationId ? 'tp.conversation_id DESC, ' : ''}tp.last_reply_at DESC, tp.root_id DESC
           LIMIT ${param(limit)}`,
    parameters,
  };
}

/**
 * The messages that mention a user, newest first: a range scan of `message_mention_user_idx` from the
 * cursor, each checked against the user's current membership by its key. Exported for EXPLAIN.
 */
export function mentionListQuery(userId: string, before: { createdAt: string; id: string } | undefined, limit: number): SqlQuery {
  const parameters: unknown[] = [userId];
  let cursor = '';
  if (before) {
    parameters.push(before.createdAt, before.id);
    cursor = `AND (mm.created_at, mm.message_id) < ($2::timestamptz, $3::uuid)`;
  }
  parameters.push(limit);
  return {
    sql: `SELECT mm.message_id, to_char(mm.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
            FROM message_mention mm
           WHERE mm.user_id = $1 ${cursor}
             AND EXISTS (SELECT 1 FROM conversation_member mb WHERE mb.conversation_id = mm.conversation_id AND mb.user_id = mm.user_id)
           ORDER BY mm.user_id DESC, mm.created_at DESC, mm.message_id DESC
           LIMIT $${parameters.length}`,
    parameters,
  };
}

/** A conversation's pinned messages, the most recently pinned first: a range scan of `message_pinned_idx`. */
export function pinListQuery(conversationId: string, before: { pinnedAt: string; id: string } | undefined, limit: number): SqlQuery {
  const parameters: unknown[] = [conversationId];
  let cursor = '';
  if (before) {
    parameters.push(before.pinnedAt, before.id);
    cursor = `AND (m.pinned_at, m.id) < ($2::timestamptz, $3::uuid)`;
  }
  parameters.push(limit);
  return {
    sql: `${MESSAGE_SELECT.replace('SELECT ', `SELECT to_char(m.pinned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at, `)}
           WHERE m.conversation_id = $1 AND m.pinned_at IS NOT NULL ${cursor}
           ORDER BY m.conversation_id DESC, m.pinned_at DESC, m.id DESC
           LIMIT $${parameters.length}`,
    parameters,
  };
}

/**
 * Unread replies of each (thread, user) pair: replies from others above the user's thread marker,
 * deleted ones not counted; each a range scan of `message_thread_seq_idx` from the marker. Exported for EXPLAIN.
 */
export function unreadRepliesQuery(pairs: Array<{ rootId: string; userId: string; lastReadSeq: number }>): SqlQuery {
  return {
    sql: `SELECT p.root_id, u.unread
            FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS p(root_id, user_id, last_read_seq)
           CROSS JOIN LATERAL (SELECT count(*)::int AS unread FROM message m
                                WHERE m.thread_root_id = p.root_id AND m.seq > p.last_read_seq
                                  AND m.sender_id <> p.user_id AND m.deleted_at IS NULL) u`,
    parameters: [pairs.map((pair) => pair.rootId), pairs.map((pair) => pair.userId), pairs.map((pair) => pair.lastReadSeq)],
  };
}

/**
 * Mentions of each (conversation, member) pair above the member's read marker — the badge: a range scan
 * of `message_mention_unread_idx` per pair from the marker. Exported for EXPLAIN.
 */
export function unreadMentionsQuery(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>): SqlQuery {
  return {
    sql: `SELECT p.conversation_id, p.user_id, u.unread
            FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS p(conversation_id, user_id, last_read_seq)
           CROSS JOIN LATERAL (SELECT count(*)::int AS unread FROM message_mention mm
                                WHERE mm.user_id = p.user_id AND mm.conversation_id = p.conversation_id AND mm.seq > p.last_read_seq) u`,
    parameters: [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.userId), pairs.map((pair) => pair.lastReadSeq)],
  };
}

/** The thread a reply joins and the root's figures after it. */
export interface ThreadFigures {
  rootId: string;
  rootSenderId: string;
  replyCount: number;
  lastReplyAt: Date;
  threadParticipantIds: string[];
}

export interface NewMessage {
  conversationId: string;
  senderId: string;
  content: string | null;
  replyToId: string | null;
  clientMessageId: string;
  threadRootId: string | null;
  alsoToConversation: boolean;
  forwardedFrom?: ForwardedFrom | null;
}

/** A new message numbered by the CTE `c` (`last_seq`, `last_message_at`) of its statement; `$1`…`$8` from `insertParameters`. */
const INSERT_FROM_C_SQL = `INSERT INTO message (conversation_id, seq, sender_id, content, reply_to_id, client_message_id, created_at, thread_root_id,
                               also_to_conversation, forwarded_from)
         SELECT $1, c.last_seq, $2, $3, $4, $5, c.last_message_at, $6, $7, $8::jsonb FROM c`;

function insertParameters(message: NewMessage): unknown[] {
  return [
    message.conversationId,
    message.senderId,
    message.content,
    message.replyToId,
    message.clientMessageId,
    message.threadRootId,
    message.alsoToConversation,
    message.forwardedFrom ? JSON.stringify(message.forwardedFrom) : null,
  ];
}

/**
 * A message's insert as a part of one statement that numbers it in its CTE `c`: `m` is the row, `posted`
 * the row as every read selects it, `posted_data` its event data — `template` (the message as
 * `toMessageData` builds it before the row exists) with what only the insert decides filled in: id, seq,
 * createdAt (`toISOString`'s form: milliseconds, truncated like the driver's `Date`) and the sender's
 * public profile. No ON CONFLICT: a `clientMessageId` already used fails the statement (23505 on
 * `message_client_id_uq`), so its seq is never taken.
 */
export function insertMessagePart(message: NewMessage, template: object, avatarPathPattern: string): StatementPart {
  return {
    ctes: [
      ['m', `${INSERT_FROM_C_SQL} RETURNING *`],
      ['posted', MESSAGE_SELECT.replace('FROM message m', 'FROM m')],
      [
        'posted_data',
        `SELECT p.id, $9::jsonb || jsonb_build_object(
                  'id', p.id, 'seq', p.seq,
                  'createdAt', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'sender', jsonb_build_object(
                    'id', p.sender_id, 'username', p.sender_username, 'displayName', p.sender_display_name,
                    'avatarUrl', replace($10, '{id}', p.sender_avatar_media_id::text), 'isBot', p.sender_is_bot)) AS data
           FROM posted p`,
      ],
    ],
    parameters: [...insertParameters(message), JSON.stringify(template), avatarPathPattern],
  };
}

/**
 * The one repository of `message`, `message_reaction` and `message_attachment`. Methods taking a manager
 * run in the caller's transaction. (Messages show their sender's public name: a read-only join of
 * `users`, kept in the statements that page messages so a page stays one query.)
 */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Ascending seq; `hasMore` says whether messages lie beyond the page in the direction of the cursor. */
  async pageBySeq(window: Omit<HistoryWindow, 'limit'> & { pageSize: number }): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
    const { sql, parameters } = historyQuery({ ...window, limit: window.pageSize + 1 });
    // Prepared, a name per variant (each its own text): every page of history and every catch-up runs one.
    const variant = window.after !== undefined ? 'after' : window.before !== undefined ? 'before' : 'newest';
    const rows = await selectPrepared<MessageRow>(this.manager, `history_${variant}`, sql, parameters);
    const hasMore = rows.length > window.pageSize;
    const page = rows.slice(0, window.pageSize);
    return { rows: window.after !== undefined ? page : page.reverse(), hasMore };
  }

  async search(search: MessageSearch): Promise<SearchHit[]> {
    if (!search.conversationIds.length) return [];
    const { sql, parameters } = searchQuery(search);
    return this.manager.query(sql, parameters);
  }

  async findByClientId(conversationId: string, senderId: string, clientMessageId: string): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await this.manager.query(`${MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`, [
      conversationId,
      senderId,
      clientMessageId,
    ]);
    return rows[0];
  }

  /** The root of the thread a reply to `messageId` joins (its own root, or itself); undefined when it is not in the conversation. */
  async threadRootOf(conversationId: string, messageId: string, manager: EntityManager = this.manager): Promise<string | undefined> {
    const row = await selectOne<{ root_id: string }>(
      manager,
      `SELECT coalesce(thread_root_id, id) AS root_id FROM message WHERE id = $1 AND conversation_id = $2`,
      [messageId, conversationId],
    );
    return row?.root_id;
  }

  /** Ascending seq after `after`; `hasMore` when more replies follow. */
  async pageThread(rootId: string, after: number, pageSize: number): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
    const { sql, parameters } = threadQuery(rootId, after, pageSize + 1);
    const rows = await select<MessageRow>(this.manager, sql, parameters);
    return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize };
  }

  /**
   * A page centred on `seq`, ascending: half the page before it (older), the rest from it on (newer); a
   * side that runs out leaves its room to the other, so a page near either end is still full. Each side
   * is a range scan of `message_conversation_seq_uq` of at most a page.
   */
  async pageAround(conversationId: string, seq: number, pageSize: number): Promise<{ rows: MessageRow[]; hasMoreBefore: boolean; hasMoreAfter: boolean }> {
    const older = historyQuery({ conversationId, before: seq, limit: pageSize + 1 });
    const newer = historyQuery({ conversationId, after: seq - 1, limit: pageSize + 1 });
    const olderRows = await select<MessageRow>(this.manager, older.sql, older.parameters);
    const newerRows = await select<MessageRow>(this.manager, newer.sql, newer.parameters);
    const takeAfter = Math.min(newerRows.length, Math.max(pageSize - Math.floor(pageSize / 2), pageSize - olderRows.length));
    const takeBefore = Math.min(olderRows.length, pageSize - takeAfter);
    return {
      rows: [...olderRows.slice(0, takeBefore).reverse(), ...newerRows.slice(0, takeAfter)],
      hasMoreBefore: olderRows.length > takeBefore,
      hasMoreAfter: newerRows.length > takeAfter,
    };
  }

  /**
   * Counts a reply on its thread's root (the root's row lock, held until the send commits, puts
   * concurrent replies in turn): one more reply, the newest at `at`, the replier among the first three
   * participants if there is room. Answers the root's figures after it.
   */
  async addReply(manager: EntityManager, rootId: string, replierId: string, at: Date): Promise<ThreadFigures> {
    const { rows } = await change<{ id: string; sender_id: string; reply_count: number; last_reply_at: Date; participants: string[] }>(
      manager,
      `UPDATE message SET reply_count = reply_count + 1, last_reply_at = $2,
              thread_participant_ids = CASE WHEN $3::uuid = ANY(thread_participant_ids) OR cardinality(thread_participant_ids) >= 3
                                            THEN thread_participant_ids ELSE array_append(thread_participant_ids, $3::uuid) END
        WHERE id = $1
        RETURNING id, sender_id, reply_count, last_reply_at, thread_participant_ids::text[] AS participants`,
      [rootId, at, replierId],
    );
    const row = rows[0];
    return {
      rootId: row.id,
      rootSenderId: row.sender_id,
      replyCount: row.reply_count,
      lastReplyAt: new Date(row.last_reply_at),
      threadParticipantIds: row.participants,
    };
  }

  /**
   * After a reply: every participant's sort time moves to the root's newest reply, `userIds` are in the
   * thread from now on, and `readThrough` (the replier) has read it up to its own reply.
   */
  async joinThread(manager: EntityManager, rootId: string, userIds: string[], readThrough: { userId: string; seq: number }): Promise<void> {
    await change(manager, `UPDATE thread_participant tp SET last_reply_at = r.last_reply_at FROM message r WHERE r.id = $1 AND tp.root_id = $1`, [rootId]);
    await this.addThreadParticipants(manager, rootId, userIds);
    await this.moveThreadMarker(manager, rootId, readThrough.userId, readThrough.seq);
  }

  /** Puts users in a thread (with the root's conversation and newest reply time); those already in stay as they are. */
  async addThreadParticipants(manager: EntityManager, rootId: string, userIds: string[]): Promise<void> {
    if (!userIds.length) return;
    await select(
      manager,
      `INSERT INTO thread_participant (root_id, user_id, conversation_id, last_reply_at)
       SELECT r.id, u.id, r.conversation_id, coalesce(r.last_reply_at, r.created_at) FROM message r, unnest($2::uuid[]) AS u(id)
        WHERE r.id = $1
       ON CONFLICT (root_id, user_id) DO NOTHING`,
      [rootId, [...new Set(userIds)]],
    );
  }

  /** Forward only; answers the new marker, or undefined when it did not move (or the user is not in the thread). */
  async moveThreadMarker(manager: EntityManager, rootId: string, userId: string, seq: number): Promise<number | undefined> {
    const { rows } = await change<{ last_read_seq: string }>(
      manager,
      `UPDATE thread_participant SET last_read_seq = $3 WHERE root_id = $1 AND user_id = $2 AND last_read_seq < $3 RETURNING last_read_seq`,
      [rootId, userId, seq],
    );
    return rows[0] ? Number(rows[0].last_read_seq) : undefined;
  }

  /** Whether the user is in the thread, and its thread read marker. */
  async threadMarker(manager: EntityManager, rootId: string, userId: string): Promise<number | undefined> {
    const row = await selectOne<{ last_read_seq: string }>(manager, `SELECT last_read_seq FROM thread_participant WHERE root_id = $1 AND user_id = $2`, [
      rootId,
      userId,
    ]);
    return row ? Number(row.last_read_seq) : undefined;
  }

  threadsOf(window: ThreadListWindow): Promise<ThreadListRow[]> {
    const { sql, parameters } = threadListQuery(window);
    return select<ThreadListRow>(this.manager, sql, parameters);
  }

  /** Unread replies of each (thread, user) pair (see `unreadRepliesQuery`). */
  async unreadReplies(pairs: Array<{ rootId: string; userId: string; lastReadSeq: number }>): Promise<Map<string, number>> {
    if (!pairs.length) return new Map();
    const { sql, parameters } = unreadRepliesQuery(pairs);
    const rows = await select<{ root_id: string; unread: number }>(this.manager, sql, parameters);
    return new Map(rows.map((row) => [row.root_id, row.unread]));
  }

  /**
   * Replaces a message's mentions; answers the users mentioned now who were not before (they get a
   * `mention` event).
   */
  async setMentions(
    manager: EntityManager,
    message: { id: string; conversationId: string; seq: number; createdAt: string },
    userIds: string[],
  ): Promise<string[]> {
    const before = new Set((await this.mentionsOf([message.id], manager)).get(message.id) ?? []);
    const now = [...new Set(userIds)];
    await change(manager, `DELETE FROM message_mention WHERE message_id = $1 AND NOT (user_id = ANY($2::uuid[]))`, [message.id, now]);
    await this.addMentions(manager, message, now);
    return now.filter((id) => !before.has(id));
  }

  /** Mentions of a message (a new one has none yet, so the send saves setMentions' read and delete). */
  async addMentions(manager: EntityManager, message: { id: string; conversationId: string; seq: number; createdAt: string }, userIds: string[]): Promise<void> {
    if (!userIds.length) return;
    await select(
      manager,
      `INSERT INTO message_mention (message_id, user_id, conversation_id, seq, created_at)
       SELECT $1, u.id, $2, $3, $4 FROM unnest($5::uuid[]) AS u(id)
       ON CONFLICT (message_id, user_id) DO NOTHING`,
      [message.id, message.conversationId, message.seq, message.createdAt, [...new Set(userIds)]],
    );
  }

  /** Each message's mentioned user ids. */
  async mentionsOf(messageIds: string[], manager: EntityManager = this.manager): Promise<Map<string, string[]>> {
    const byMessage = new Map<string, string[]>();
    if (!messageIds.length) return byMessage;
    const rows = await select<{ message_id: string; user_id: string }>(
      manager,
      `SELECT message_id, user_id FROM message_mention WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, user_id`,
      [messageIds],
    );
    for (const row of rows) byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), row.user_id]);
    return byMessage;
  }

  mentionPage(
    userId: string,
    before: { createdAt: string; id: string } | undefined,
    limit: number,
  ): Promise<Array<{ message_id: string; position_at: string }>> {
    const { sql, parameters } = mentionListQuery(userId, before, limit);
    return select(this.manager, sql, parameters);
  }

  /** Pins (`pinnedBy` set) or unpins (null); answers the new `pinned_at` when something changed, undefined otherwise. */
  async setPinned(manager: EntityManager, messageId: string, pinnedBy: string | null): Promise<{ pinnedAt: Date | null } | undefined> {
    const { rows } = pinnedBy
      ? await change<{ pinned_at: Date | null }>(
          manager,
          `UPDATE message SET pinned_at = clock_timestamp(), pinned_by_id = $2 WHERE id = $1 AND pinned_at IS NULL RETURNING pinned_at`,
          [messageId, pinnedBy],
        )
      : await change<{ pinned_at: Date | null }>(
          manager,
          `UPDATE message SET pinned_at = NULL, pinned_by_id = NULL WHERE id = $1 AND pinned_at IS NOT NULL RETURNING pinned_at`,
          [messageId],
        );
    return rows[0] ? { pinnedAt: rows[0].pinned_at } : undefined;
  }

  pinPage(conversationId: string, before: { pinnedAt: string; id: string } | undefined, limit: number): Promise<Array<MessageRow & { position_at: string }>> {
    const { sql, parameters } = pinListQuery(conversationId, before, limit);
    return select(this.manager, sql, parameters);
  }

  async byIds(messageIds: string[], manager: EntityManager = this.manager): Promise<MessageRow[]> {
    if (!messageIds.length) return [];
    return manager.query(`${MESSAGE_SELECT} WHERE m.id = ANY($1::uuid[])`, [messageIds]);
  }

  /**
   * The message at `seq` of each conversation, e.g. each one's newest: one index probe per pair. `lock`
   * share-locks them until the transaction ends (see `ConversationViews.build`).
   */
  async atSeqs(positions: Array<{ conversationId: string; seq: number }>, manager: EntityManager = this.manager, lock = false): Promise<MessageRow[]> {
    const wanted = positions.filter((position) => position.seq > 0);
    if (!wanted.length) return [];
    return select<MessageRow>(
      manager,
      `${MESSAGE_SELECT}
         JOIN unnest($1::uuid[], $2::bigint[]) AS p(conversation_id, seq) ON m.conversation_id = p.conversation_id AND m.seq = p.seq
         ${lock ? 'FOR SHARE OF m' : ''}`,
      [wanted.map((position) => position.conversationId), wanted.map((position) => position.seq)],
    );
  }

  /**
   * Up to `limit` messages of the conversation sent before `before`, oldest first, locked for the
   * caller's transaction: a range scan of `message_conversation_created_idx`. Rows another transaction
   * holds (an edit in progress) are skipped, so the retention sweep never waits on a sender; the next
   * batch looks at them again.
   */
  /**
   * Of these conversations, those holding a message older than its own cutoff (`now` less its days):
   * one index probe each (message_conversation_created_idx), so the sweep opens a transaction only
   * where there is something to delete.
   */
  async withExpired(targets: Array<{ conversationId: string; days: number }>, now: Date): Promise<Set<string>> {
    if (!targets.length) return new Set();
    const rows = await select<{ id: string }>(
      this.dataSource.manager,
      `SELECT t.id FROM unnest($1::uuid[], $2::int[]) AS t(id, days)
        WHERE EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = t.id AND m.created_at < $3::timestamptz - make_interval(days => t.days))`,
      [targets.map((target) => target.conversationId), targets.map((target) => target.days), now],
    );
    return new Set(rows.map((row) => row.id));
  }

  async lockExpired(manager: EntityManager, conversationId: string, before: Date, limit: number): Promise<string[]> {
    const rows = await select<{ id: string }>(
      manager,
      `SELECT id FROM message WHERE conversation_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [conversationId, before, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The uploads these messages carry, each once. */
  async attachedMediaIds(manager: EntityManager, messageIds: string[]): Promise<string[]> {
    const rows = await select<{ media_id: string }>(manager, `SELECT DISTINCT media_id FROM message_attachment WHERE message_id = ANY($1::uuid[])`, [
      messageIds,
    ]);
    return rows.map((row) => row.media_id);
  }

  /** Takes these uploads off every message that carries them (their uploader's account is being deleted). */
  /** Takes the uploads off every message that carries them; answers those messages (each once). */
  async detachMedia(manager: EntityManager, mediaIds: string[]): Promise<string[]> {
    const { rows } = await change<{ message_id: string }>(manager, `DELETE FROM message_attachment WHERE media_id = ANY($1::uuid[]) RETURNING message_id`, [
      mediaIds,
    ]);
    return [...new Set(rows.map((row) => row.message_id))];
  }

  /**
   * Deletes the messages for good (retention): their reactions, mentions, attachments, thread
   * bookkeeping and reports go with them (cascades); replies and thread replies to them keep their own
   * words and lose the link (`SET NULL`). Answers how many went.
   */
  async deleteForGood(manager: EntityManager, messageIds: string[]): Promise<number> {
    const { count } = await change(manager, `DELETE FROM message WHERE id = ANY($1::uuid[])`, [messageIds]);
    return count;
  }

  /**
   * Numbers and inserts a message in one statement: the conversation's row lock (taken by the seq bump,
   * held until the sending transaction ends) makes this send wait for the previous one to commit, then
   * the message gets the next seq and the time stamped on the conversation, to the microsecond.
   * Undefined when the sender already sent this `clientMessageId` here: the caller rolls back, which
   * also takes the seq back.
   */
  async insertNext(manager: EntityManager, message: NewMessage): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await manager.query(
      `WITH c AS (
         ${TAKE_NEXT_SEQ_SQL}
       ), m AS (
         ${INSERT_FROM_C_SQL}
         ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING
         RETURNING *
       )
       ${MESSAGE_SELECT.replace('FROM message m', 'FROM m')}`,
      insertParameters(message),
    );
    return rows[0];
  }

  async setMetadata(manager: EntityManager, messageId: string, metadata: Record<string, unknown>): Promise<void> {
    await change(manager, `UPDATE message SET metadata = $2::jsonb WHERE id = $1`, [messageId, JSON.stringify(metadata)]);
  }

  async updateContent(manager: EntityManager, messageId: string, content: string): Promise<void> {
    await change(manager, `UPDATE message SET content = $2, edited_at = clock_timestamp() WHERE id = $1`, [messageId, content]);
  }

  async setPreview(manager: EntityManager, messageId: string, preview: LinkPreview | null): Promise<void> {
    await change(manager, `UPDATE message SET preview = $2::jsonb WHERE id = $1`, [messageId, preview === null ? null : JSON.stringify(preview)]);
  }

  /** Keeps the row (and its seq) but nothing of what was said: no reactions, attachments, mentions, nor pin. */
  async tombstone(manager: EntityManager, messageId: string): Promise<void> {
    await change(
      manager,
      `UPDATE message SET content = NULL, deleted_at = clock_timestamp(), pinned_at = NULL, pinned_by_id = NULL, preview = NULL WHERE id = $1`,
      [messageId],
    );
    await change(manager, `DELETE FROM message_mention WHERE message_id = $1`, [messageId]);
    await change(manager, `DELETE FROM message_reaction WHERE message_id = $1`, [messageId]);
    await change(manager, `DELETE FROM message_attachment WHERE message_id = $1`, [messageId]);
  }

  /** How many distinct emoji the message carries, and whether `emoji` is one of them. */
  async emojiCount(manager: EntityManager, messageId: string, emoji: string): Promise<{ distinct: number; present: boolean }> {
    const [row]: Array<{ distinct: number; present: boolean | null }> = await manager.query(
      `SELECT count(DISTINCT emoji)::int AS distinct, bool_or(emoji = $2) AS present FROM message_reaction WHERE message_id = $1`,
      [messageId, emoji],
    );
    return { distinct: row.distinct, present: row.present === true };
  }

  /** True when the reaction is new. */
  async addReaction(manager: EntityManager, messageId: string, userId: string, emoji: string): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO message_reaction (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING message_id`,
      [messageId, userId, emoji],
    );
    return rows.length > 0;
  }

  /** True when there was such a reaction. */
  async removeReaction(manager: EntityManager, messageId: string, userId: string, emoji: string): Promise<boolean> {
    const { count } = await change(manager, `DELETE FROM message_reaction WHERE message_id = $1 AND user_id = $2 AND emoji = $3`, [messageId, userId, emoji]);
    return count > 0;
  }

  /** Each message's reactions, emojis in order of first use. */
  async reactionsOf(messageIds: string[], manager: EntityManager = this.manager): Promise<Map<string, ReactionData[]>> {
    const byMessage = new Map<string, ReactionData[]>();
    if (!messageIds.length) return byMessage;
    const rows: Array<{ message_id: string; emoji: string; user_ids: string[] }> = await manager.query(
      `SELECT message_id, emoji, array_agg(user_id::text ORDER BY created_at, user_id) AS user_ids
         FROM message_reaction WHERE message_id = ANY($1::uuid[])
        GROUP BY message_id, emoji
        ORDER BY message_id, min(created_at), emoji`,
      [messageIds],
    );
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push({ emoji: row.emoji, count: row.user_ids.length, userIds: row.user_ids });
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }

  /** Keeps the sender's order. */
  async attach(manager: EntityManager, messageId: string, mediaIds: string[]): Promise<void> {
    if (!mediaIds.length) return;
    await select(
      manager,
      `INSERT INTO message_attachment (message_id, media_id, position)
       SELECT $1, media_id, position - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS a(media_id, position)`,
      [messageId, mediaIds],
    );
  }

  /** Each message's attached upload ids, in order. */
  /** Takes an upload off every message that carries it; answers those messages' ids. */
  async detachEverywhere(manager: EntityManager, mediaId: string): Promise<string[]> {
    const { rows } = await change<{ message_id: string }>(manager, `DELETE FROM message_attachment WHERE media_id = $1 RETURNING message_id`, [mediaId]);
    return rows.map((row) => row.message_id);
  }

  attachmentIdsOf(messageIds: string[], manager: EntityManager = this.manager): Promise<Array<{ message_id: string; media_id: string }>> {
    return select(manager, `SELECT message_id, media_id FROM message_attachment WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, position`, [
      messageIds,
    ]);
  }

  async count(): Promise<number> {
    const row = await selectOne<{ count: number }>(this.manager, `SELECT count(*)::int AS count FROM message`);
    return row!.count;
  }
}

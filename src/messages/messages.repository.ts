import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, selectOne } from '../database/sql.js';
import { TAKE_NEXT_SEQ_SQL } from '../memberships/conversations.repository.js';
import { escapeLike } from '../users/users.repository.js';
import type { MessageRow, ReactionData } from './message.mapper.js';

/** A message with its sender's public name, as every read of messages selects it. */
const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.seq, m.sender_id, u.username AS sender_username,
       u.display_name AS sender_display_name, u.avatar_media_id AS sender_avatar_media_id, u.is_bot AS sender_is_bot, m.content, m.reply_to_id, m.client_message_id,
       m.created_at, m.edited_at, m.deleted_at`;
const MESSAGE_SELECT = `SELECT ${MESSAGE_COLUMNS} FROM message m JOIN users u ON u.id = m.sender_id`;

/** A search hit also carries its exact time (microseconds, which a JS Date would lose) for the cursor. */
export type SearchHit = MessageRow & { position_at: string };

export interface SqlQuery {
  sql: string;
  parameters: unknown[];
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
 * at the read marker, so it costs what is unread, not the conversation's size. Exported for EXPLAIN.
 */
export function unreadCountsQuery(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>): SqlQuery {
  return {
    sql: `SELECT p.conversation_id, p.user_id, count(*)::int AS unread
            FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS p(conversation_id, user_id, last_read_seq)
            JOIN message m ON m.conversation_id = p.conversation_id AND m.seq > p.last_read_seq
           WHERE m.sender_id <> p.user_id AND m.deleted_at IS NULL
           GROUP BY p.conversation_id, p.user_id`,
    parameters: [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.userId), pairs.map((pair) => pair.lastReadSeq)],
  };
}

export interface NewMessage {
  conversationId: string;
  senderId: string;
  content: string | null;
  replyToId: string | null;
  clientMessageId: string;
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
    const rows: MessageRow[] = await this.manager.query(sql, parameters);
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

  async existsInConversation(conversationId: string, messageId: string): Promise<boolean> {
    const rows = await this.manager.query(`SELECT 1 FROM message WHERE id = $1 AND conversation_id = $2`, [messageId, conversationId]);
    return rows.length > 0;
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

  async unreadCounts(
    pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>,
    manager: EntityManager = this.manager,
  ): Promise<Map<string, number>> {
    if (!pairs.length) return new Map();
    const { sql, parameters } = unreadCountsQuery(pairs);
    const rows = await select<{ conversation_id: string; user_id: string; unread: number }>(manager, sql, parameters);
    return new Map(rows.map((row) => [`${row.conversation_id}:${row.user_id}`, row.unread]));
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
         INSERT INTO message (conversation_id, seq, sender_id, content, reply_to_id, client_message_id, created_at)
         SELECT $1, c.last_seq, $2, $3, $4, $5, c.last_message_at FROM c
         ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING
         RETURNING *
       )
       ${MESSAGE_SELECT.replace('FROM message m', 'FROM m')}`,
      [message.conversationId, message.senderId, message.content, message.replyToId, message.clientMessageId],
    );
    return rows[0];
  }

  async updateContent(manager: EntityManager, messageId: string, content: string): Promise<void> {
    await change(manager, `UPDATE message SET content = $2, edited_at = clock_timestamp() WHERE id = $1`, [messageId, content]);
  }

  /** Keeps the row (and its seq) but nothing of what was said. */
  async tombstone(manager: EntityManager, messageId: string): Promise<void> {
    await change(manager, `UPDATE message SET content = NULL, deleted_at = clock_timestamp() WHERE id = $1`, [messageId]);
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

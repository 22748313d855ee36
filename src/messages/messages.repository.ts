import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { escapeLike } from '../users/users.repository.js';
import type { MessageRow, ReactionData } from './message.mapper.js';

/** A message with its sender's public name, as every read of messages selects it. */
const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.seq, m.sender_id, u.username AS sender_username,
       u.display_name AS sender_display_name, m.content, m.reply_to_id, m.client_message_id,
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
const SPACELESS_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
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
  userId: string;
  /** Limits the search to one conversation (the caller's membership is checked first). */
  conversationId?: string;
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
export function searchQuery({ userId, conversationId, q, before, limit }: MessageSearch): SqlQuery {
  const parameters: unknown[] = [];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const conditions = ['m.deleted_at IS NULL'];
  let from: string;
  if (isShortSearch(q)) {
    const newest = conversationId ? SHORT_SEARCH_MESSAGES * SHORT_SEARCH_CONVERSATIONS : SHORT_SEARCH_MESSAGES;
    const scope = conversationId
      ? `SELECT id, last_seq FROM conversation WHERE id = ${param(conversationId)}`
      : `SELECT c.id, c.last_seq
           FROM conversation_member mb
          CROSS JOIN LATERAL (SELECT * FROM conversation WHERE id = mb.conversation_id OFFSET 0) c
          WHERE mb.user_id = ${param(userId)}
          ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC
          LIMIT ${SHORT_SEARCH_CONVERSATIONS}`;
    from = `(${scope}) scope JOIN message m ON m.conversation_id = scope.id AND m.seq > scope.last_seq - ${newest}`;
  } else {
    from = 'message m';
    conditions.push(
      conversationId
        ? `m.conversation_id = ${param(conversationId)}`
        : `m.conversation_id IN (SELECT mb.conversation_id FROM conversation_member mb WHERE mb.user_id = ${param(userId)})`,
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

/** The lowest read and delivered markers among the members other than the sender. */
export interface OtherMembersMarkers {
  conversationId: string;
  senderId: string;
  readSeq: number;
  deliveredSeq: number;
}

export interface NewMessage {
  conversationId: string;
  senderId: string;
  content: string | null;
  replyToId: string | null;
  clientMessageId: string;
}

export interface LockedMessage {
  id: string;
  conversationId: string;
  senderId: string;
  deleted: boolean;
}

/** The queries on messages that deserve a name. Methods taking a manager run in the caller's transaction. */
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
    const { sql, parameters } = searchQuery(search);
    return this.manager.query(sql, parameters);
  }

  async findByClientId(conversationId: string, senderId: string, clientMessageId: string): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await this.manager.query(
      `${MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`,
      [conversationId, senderId, clientMessageId],
    );
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

  /** The message at `seq` of each conversation, e.g. each one's newest: one index probe per pair. */
  async atSeqs(positions: Array<{ conversationId: string; seq: number }>, manager: EntityManager = this.manager): Promise<MessageRow[]> {
    const wanted = positions.filter((position) => position.seq > 0);
    if (!wanted.length) return [];
    return manager.query(
      `${MESSAGE_SELECT}
         JOIN unnest($1::uuid[], $2::bigint[]) AS p(conversation_id, seq) ON m.conversation_id = p.conversation_id AND m.seq = p.seq`,
      [wanted.map((position) => position.conversationId), wanted.map((position) => position.seq)],
    );
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
         UPDATE conversation SET last_seq = last_seq + 1, last_message_at = clock_timestamp() WHERE id = $1
         RETURNING last_seq, last_message_at
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

  /** Locks the message for a change; undefined when it is not in that conversation. */
  async lockInConversation(manager: EntityManager, conversationId: string, messageId: string): Promise<LockedMessage | undefined> {
    return this.lock(manager, `id = $1 AND conversation_id = $2`, [messageId, conversationId]);
  }

  async lockById(manager: EntityManager, messageId: string): Promise<LockedMessage | undefined> {
    return this.lock(manager, `id = $1`, [messageId]);
  }

  private async lock(manager: EntityManager, where: string, parameters: unknown[]): Promise<LockedMessage | undefined> {
    const rows: Array<{ id: string; conversation_id: string; sender_id: string; deleted_at: Date | null }> = await manager.query(
      `SELECT id, conversation_id, sender_id, deleted_at FROM message WHERE ${where} FOR UPDATE`,
      parameters,
    );
    const row = rows[0];
    return row && { id: row.id, conversationId: row.conversation_id, senderId: row.sender_id, deleted: row.deleted_at !== null };
  }

  async updateContent(manager: EntityManager, messageId: string, content: string): Promise<void> {
    await manager.query(`UPDATE message SET content = $2, edited_at = clock_timestamp() WHERE id = $1`, [messageId, content]);
  }

  /** Keeps the row (and its seq) but nothing of what was said. */
  async tombstone(manager: EntityManager, messageId: string): Promise<void> {
    await manager.query(`UPDATE message SET content = NULL, deleted_at = clock_timestamp() WHERE id = $1`, [messageId]);
    await manager.query(`DELETE FROM message_reaction WHERE message_id = $1`, [messageId]);
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
    const [, affected] = await manager.query(`DELETE FROM message_reaction WHERE message_id = $1 AND user_id = $2 AND emoji = $3`, [messageId, userId, emoji]);
    return affected > 0;
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

  /** For each (conversation, sender) pair, one aggregate over the other members' markers. */
  async otherMembersMarkers(pairs: Array<{ conversationId: string; senderId: string }>, manager: EntityManager = this.manager): Promise<OtherMembersMarkers[]> {
    if (!pairs.length) return [];
    const rows: Array<{ conversation_id: string; sender_id: string; read_seq: string; delivered_seq: string }> = await manager.query(
      `SELECT s.conversation_id, s.sender_id, min(mb.last_read_seq) AS read_seq, min(mb.last_delivered_seq) AS delivered_seq
         FROM unnest($1::uuid[], $2::uuid[]) AS s(conversation_id, sender_id)
         JOIN conversation_member mb ON mb.conversation_id = s.conversation_id AND mb.user_id <> s.sender_id
        GROUP BY s.conversation_id, s.sender_id`,
      [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.senderId)],
    );
    return rows.map((row) => ({
      conversationId: row.conversation_id,
      senderId: row.sender_id,
      readSeq: Number(row.read_seq),
      deliveredSeq: Number(row.delivered_seq),
    }));
  }

  async count(): Promise<number> {
    const [{ count }] = await this.manager.query(`SELECT count(*)::int AS count FROM message`);
    return count;
  }
}

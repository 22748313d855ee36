import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { MemberRole } from './conversation-member.entity.js';
import type { ConversationType } from './conversation.entity.js';

export interface SqlQuery {
  sql: string;
  parameters: unknown[];
}

/** A conversation as one of its members sees it, before counts and the last message are added. */
export interface MembershipRow {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: Date;
  last_seq: string;
  user_id: string;
  role: MemberRole;
  last_read_seq: string;
}

/** A list row also carries where it sorts, exactly (microseconds), for the cursor. */
export type ListedRow = MembershipRow & { position_at: string };

export interface ConversationListWindow {
  userId: string;
  /** Where the previous page ended. */
  after?: { positionAt: string; id: string };
  limit: number;
}

/**
 * One page of a user's conversations, most recently active first: by the newest message, or by creation
 * for a conversation without messages yet, then by id. Reads the user's memberships through
 * `conversation_member_user_idx` and each of their conversations by its key: the cost follows the user's
 * conversations, never the size of the table. (`OFFSET 0` keeps the planner from turning the per-membership
 * lookup into a hash join that scans every conversation, which it prefers while the table is small.)
 * Exported for the EXPLAIN test.
 */
export function conversationListQuery({ userId, after, limit }: ConversationListWindow): SqlQuery {
  const activity = 'coalesce(c.last_message_at, c.created_at)';
  const parameters: unknown[] = [userId];
  let cursor = '';
  if (after) {
    parameters.push(after.positionAt, after.id);
    cursor = `AND (${activity}, c.id) < ($2::timestamptz, $3::uuid)`;
  }
  parameters.push(limit);
  return {
    sql: `SELECT c.id, c.type, c.title, c.created_at, c.last_seq, mb.user_id, mb.role, mb.last_read_seq,
                 to_char(${activity} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
            FROM conversation_member mb
           CROSS JOIN LATERAL (SELECT * FROM conversation WHERE id = mb.conversation_id OFFSET 0) c
           WHERE mb.user_id = $1 ${cursor}
           ORDER BY ${activity} DESC, c.id DESC
           LIMIT $${parameters.length}`,
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

const MEMBERSHIP_SELECT = `SELECT c.id, c.type, c.title, c.created_at, c.last_seq, mb.user_id, mb.role, mb.last_read_seq
  FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id`;

/** TypeORM answers UPDATE and DELETE with `[rows, affected]`. */
type Changed<T> = [T[], number];

export interface Markers {
  lastReadSeq: number;
  lastDeliveredSeq: number;
  lastSeq: number;
}

/** Queries on conversations and memberships that deserve a name; methods taking a manager join its transaction. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  listForUser(window: ConversationListWindow): Promise<ListedRow[]> {
    const { sql, parameters } = conversationListQuery(window);
    return this.manager.query(sql, parameters);
  }

  /** The conversation as each of `userIds` (all members when omitted) sees it. */
  membershipsOf(conversationId: string, userIds?: string[], manager: EntityManager = this.manager): Promise<MembershipRow[]> {
    return userIds
      ? manager.query(`${MEMBERSHIP_SELECT} WHERE mb.conversation_id = $1 AND mb.user_id = ANY($2::uuid[])`, [conversationId, userIds])
      : manager.query(`${MEMBERSHIP_SELECT} WHERE mb.conversation_id = $1`, [conversationId]);
  }

  async unreadCounts(pairs: Array<{ conversationId: string; userId: string; lastReadSeq: number }>, manager: EntityManager = this.manager): Promise<Map<string, number>> {
    if (!pairs.length) return new Map();
    const { sql, parameters } = unreadCountsQuery(pairs);
    const rows: Array<{ conversation_id: string; user_id: string; unread: number }> = await manager.query(sql, parameters);
    return new Map(rows.map((row) => [`${row.conversation_id}:${row.user_id}`, row.unread]));
  }

  async memberCounts(conversationIds: string[], manager: EntityManager = this.manager): Promise<Map<string, number>> {
    if (!conversationIds.length) return new Map();
    const rows: Array<{ conversation_id: string; members: number }> = await manager.query(
      `SELECT conversation_id, count(*)::int AS members FROM conversation_member WHERE conversation_id = ANY($1::uuid[]) GROUP BY conversation_id`,
      [conversationIds],
    );
    return new Map(rows.map((row) => [row.conversation_id, row.members]));
  }

  /** The id of a new direct conversation, or undefined when the pair already has one (maybe being created right now). */
  async insertDirect(manager: EntityManager, directKey: string): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO conversation (type, direct_key) VALUES ('direct', $1) ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
      [directKey],
    );
    return rows[0]?.id;
  }

  async directIdByKey(manager: EntityManager, directKey: string): Promise<string> {
    const [row]: Array<{ id: string }> = await manager.query(`SELECT id FROM conversation WHERE direct_key = $1`, [directKey]);
    return row.id;
  }

  async insertGroup(manager: EntityManager, title: string): Promise<string> {
    const [row]: Array<{ id: string }> = await manager.query(`INSERT INTO conversation (type, title) VALUES ('group', $1) RETURNING id`, [title]);
    return row.id;
  }

  /**
   * Adds members whose markers start at the conversation's newest message: they joined after it, so it
   * is neither unread for them nor made "unread" again for its sender. Members added together join a
   * microsecond apart in the order given (the owner first), so "longest-standing" is never a tie a
   * coarse clock would leave to chance. Answers who was actually added.
   */
  async addMembers(manager: EntityManager, conversationId: string, members: Array<{ userId: string; role: MemberRole }>): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await manager.query(
      `INSERT INTO conversation_member (conversation_id, user_id, role, last_read_seq, last_delivered_seq, joined_at)
       SELECT c.id, n.user_id, n.role, c.last_seq, c.last_seq, clock_timestamp() + (n.position - 1) * interval '1 microsecond'
         FROM conversation c, unnest($2::uuid[], $3::varchar[]) WITH ORDINALITY AS n(user_id, role, position)
        WHERE c.id = $1
        ORDER BY n.position
       ON CONFLICT (conversation_id, user_id) DO NOTHING
       RETURNING user_id`,
      [conversationId, members.map((member) => member.userId), members.map((member) => member.role)],
    );
    return rows.map((row) => row.user_id);
  }

  async roleOf(manager: EntityManager, conversationId: string, userId: string): Promise<MemberRole | undefined> {
    const rows: Array<{ role: MemberRole }> = await manager.query(
      `SELECT role FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
    return rows[0]?.role;
  }

  async setRole(manager: EntityManager, conversationId: string, userId: string, role: MemberRole): Promise<void> {
    await manager.query(`UPDATE conversation_member SET role = $3 WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId, role]);
  }

  async removeMember(manager: EntityManager, conversationId: string, userId: string): Promise<void> {
    await manager.query(`DELETE FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId]);
  }

  /** Makes the longest-standing admin the owner, or else the longest-standing member; none left, no one. */
  async handOverOwnership(manager: EntityManager, conversationId: string): Promise<string | undefined> {
    const [rows] = (await manager.query(
      `UPDATE conversation_member SET role = 'owner'
        WHERE conversation_id = $1 AND user_id = (
          SELECT user_id FROM conversation_member WHERE conversation_id = $1
           ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1)
        RETURNING user_id`,
      [conversationId],
    )) as Changed<{ user_id: string }>;
    return rows[0]?.user_id;
  }

  async setTitle(manager: EntityManager, conversationId: string, title: string): Promise<void> {
    await manager.query(`UPDATE conversation SET title = $2, updated_at = now() WHERE id = $1`, [conversationId, title]);
  }

  async memberCount(manager: EntityManager, conversationId: string): Promise<number> {
    const [{ members }] = await manager.query(`SELECT count(*)::int AS members FROM conversation_member WHERE conversation_id = $1`, [conversationId]);
    return members;
  }

  /** The caller's markers, locked for a move, with the conversation's newest seq; undefined for a non-member. */
  async lockMarkers(manager: EntityManager, conversationId: string, userId: string): Promise<Markers | undefined> {
    const rows: Array<{ last_read_seq: string; last_delivered_seq: string; last_seq: string }> = await manager.query(
      `SELECT mb.last_read_seq, mb.last_delivered_seq, c.last_seq
         FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
        WHERE mb.conversation_id = $1 AND mb.user_id = $2
          FOR UPDATE OF mb`,
      [conversationId, userId],
    );
    const row = rows[0];
    return row && { lastReadSeq: Number(row.last_read_seq), lastDeliveredSeq: Number(row.last_delivered_seq), lastSeq: Number(row.last_seq) };
  }

  async setMarkers(manager: EntityManager, conversationId: string, userId: string, markers: { lastReadSeq: number; lastDeliveredSeq: number }): Promise<void> {
    await manager.query(
      `UPDATE conversation_member SET last_read_seq = GREATEST(last_read_seq, $3), last_delivered_seq = GREATEST(last_delivered_seq, $4)
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId, markers.lastReadSeq, markers.lastDeliveredSeq],
    );
  }

  /** Of these ids, those that are users who can take part (not banned). */
  async existingUserIds(userIds: string[]): Promise<Set<string>> {
    if (!userIds.length) return new Set();
    const rows: Array<{ id: string }> = await this.manager.query(`SELECT id FROM users WHERE id = ANY($1::uuid[]) AND NOT banned`, [userIds]);
    return new Set(rows.map((row) => row.id));
  }

  async count(): Promise<number> {
    const [{ count }] = await this.manager.query(`SELECT count(*)::int AS count FROM conversation`);
    return count;
  }
}

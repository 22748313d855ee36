import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { select, selectOne, selectPrepared, type StatementPart } from '../database/sql.js';
import type { ConversationGrant, ConversationMode, ConversationType, MemberRole } from './access.types.js';

/** How `conversation` locks the rows it reads: the conversation (membership changes) or the membership (markers). */
export type GrantLock = 'conversation' | 'membership';

interface GrantRow {
  type: ConversationType;
  title: string | null;
  direct_key: string | null;
  last_seq: string;
  role: MemberRole;
  last_read_seq: string;
  last_delivered_seq: string;
  peer_id: string | null;
  blocked: boolean;
  mode: ConversationMode;
  slow_mode_seconds: number;
  moderation_muted: boolean;
  moderation_muted_until: Date | null;
  slow_mode_wait: number;
}

/** A membership as realtime delivery keeps it: where the member's window of the conversation's events starts. */
export interface MembershipWindow {
  conversationId: string;
  /** The position of the join's event; null while it is not sequenced yet (nothing is visible before it). */
  joinedAt: bigint | null;
}

/** A durable event as `/sync` reads it. */
export interface VisibleEventRow {
  position: string;
  type: string;
  data: unknown;
}

/**
 * Every query that decides who may do what, and nothing else: membership and role, blocks, media
 * readability, event visibility. Other repositories hold the data; this one holds the rules' SQL, so
 * "who may see or change X" is answered by reading this file and `access.service.ts`.
 */
@Injectable()
export class AccessRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * The caller's membership of a conversation with what the caller's next step needs (type, role,
   * markers, newest seq), and for a direct conversation the other member and whether either blocked the
   * other — one query, two primary-key probes of `user_block` for a direct conversation only.
   */
  async conversation(userId: string, conversationId: string, manager: EntityManager = this.manager, lock?: GrantLock): Promise<ConversationGrant | undefined> {
    const locking = lock === 'conversation' ? 'FOR NO KEY UPDATE OF c' : lock === 'membership' ? 'FOR UPDATE OF mb' : '';
    // Prepared: every request about a conversation starts here (a variant per lock, each its own text).
    const [row] = await selectPrepared<GrantRow>(
      manager,
      `access_conversation_${lock ?? 'none'}`,
      `SELECT c.type, c.title, c.direct_key, c.last_seq, mb.role, mb.last_read_seq, mb.last_delivered_seq, p.peer_id,
              c.mode, c.slow_mode_seconds,
              mb.moderation_muted AND (mb.moderation_muted_until IS NULL OR mb.moderation_muted_until > clock_timestamp()) AS moderation_muted,
              mb.moderation_muted_until,
              CASE WHEN c.slow_mode_seconds = 0 OR mb.last_posted_at IS NULL THEN 0
                   ELSE greatest(0, ceil(extract(epoch FROM mb.last_posted_at + c.slow_mode_seconds * interval '1 second' - clock_timestamp())))::int END
                AS slow_mode_wait,
              CASE WHEN p.peer_id IS NULL THEN false
                   ELSE EXISTS (SELECT 1 FROM user_block b WHERE b.blocker_id = $2::uuid AND b.blocked_id = p.peer_id)
                     OR EXISTS (SELECT 1 FROM user_block b WHERE b.blocker_id = p.peer_id AND b.blocked_id = $2::uuid) END AS blocked
         FROM conversation_member mb
         JOIN conversation c ON c.id = mb.conversation_id
         CROSS JOIN LATERAL (SELECT CASE WHEN c.type = 'direct' THEN
                  (CASE WHEN split_part(c.direct_key, ':', 1) = $2::uuid::text THEN split_part(c.direct_key, ':', 2) ELSE split_part(c.direct_key, ':', 1) END)::uuid
                END AS peer_id) p
        WHERE mb.conversation_id = $1::uuid AND mb.user_id = $2::uuid
        ${locking}`,
      [conversationId, userId],
    );
    if (!row) return undefined;
    return {
      conversationId,
      type: row.type,
      title: row.title,
      directKey: row.direct_key,
      lastSeq: Number(row.last_seq),
      role: row.role,
      lastReadSeq: Number(row.last_read_seq),
      lastDeliveredSeq: Number(row.last_delivered_seq),
      peerId: row.peer_id,
      blocked: row.blocked,
      mode: row.mode,
      slowModeSeconds: row.slow_mode_seconds,
      moderationMute: row.moderation_muted ? { until: row.moderation_muted_until } : null,
      slowModeWaitSeconds: row.slow_mode_wait,
    };
  }

  /** Another member's role; undefined when they are not a member. */
  async roleOf(conversationId: string, userId: string, manager: EntityManager = this.manager): Promise<MemberRole | undefined> {
    const row = await selectOne<{ role: MemberRole }>(manager, `SELECT role FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`, [
      conversationId,
      userId,
    ]);
    return row?.role;
  }

  /** Locks a message of the conversation for a change; undefined when it is not in that conversation. */
  async lockMessage(manager: EntityManager, messageId: string, conversationId?: string) {
    const row = await selectOne<{ id: string; conversation_id: string; sender_id: string; deleted_at: Date | null }>(
      manager,
      `SELECT id, conversation_id, sender_id, deleted_at FROM message WHERE id = $1 ${conversationId ? 'AND conversation_id = $2' : ''} FOR UPDATE`,
      conversationId ? [messageId, conversationId] : [messageId],
    );
    return row && { id: row.id, conversationId: row.conversation_id, senderId: row.sender_id, deleted: row.deleted_at !== null };
  }

  /** A message of a conversation `userId` is a member of (so may see); undefined otherwise. */
  async visibleMessage(userId: string, messageId: string, manager: EntityManager = this.manager) {
    const row = await selectOne<{ id: string; conversation_id: string; sender_id: string; deleted_at: Date | null }>(
      manager,
      `SELECT m.id, m.conversation_id, m.sender_id, m.deleted_at FROM message m
         JOIN conversation_member mb ON mb.conversation_id = m.conversation_id AND mb.user_id = $2
        WHERE m.id = $1`,
      [messageId, userId],
    );
    return row && { id: row.id, conversationId: row.conversation_id, senderId: row.sender_id, deleted: row.deleted_at !== null };
  }

  /** Whether the account exists, banned or not. */
  async userExists(userId: string, manager: EntityManager = this.manager): Promise<boolean> {
    return (await select(manager, `SELECT 1 FROM users WHERE id = $1`, [userId])).length > 0;
  }

  /** Of `userIds`, those who blocked `userId` or whom `userId` blocked. */
  async blockedWith(userId: string, userIds: string[], manager: EntityManager = this.manager): Promise<string[]> {
    if (!userIds.length) return [];
    const rows = await select<{ other: string }>(
      manager,
      `SELECT blocked_id AS other FROM user_block WHERE blocker_id = $1 AND blocked_id = ANY($2::uuid[])
       UNION SELECT blocker_id FROM user_block WHERE blocked_id = $1 AND blocker_id = ANY($2::uuid[])`,
      [userId, userIds],
    );
    return rows.map((row) => row.other);
  }

  /** A user one can open a conversation with: exists and is not banned. */
  async isActiveUser(userId: string, manager: EntityManager = this.manager): Promise<boolean> {
    return (await select(manager, `SELECT 1 FROM users WHERE id = $1 AND NOT banned`, [userId])).length > 0;
  }

  /**
   * Whether `userId` may read the upload, in one query: its uploader; a member of a conversation where a
   * message that is not deleted carries it; anyone, while it is the avatar of a user who is not banned.
   */
  async canReadMedia(mediaId: string, userId: string, manager: EntityManager = this.manager): Promise<boolean> {
    const rows = await select(
      manager,
      `SELECT 1 FROM media m
        WHERE m.id = $1
          AND (m.uploader_id = $2
            OR EXISTS (SELECT 1 FROM users owner WHERE owner.avatar_media_id = m.id AND NOT owner.banned)
            OR EXISTS (SELECT 1 FROM message_attachment a
                         JOIN message msg ON msg.id = a.message_id AND msg.deleted_at IS NULL
                         JOIN conversation_member mb ON mb.conversation_id = msg.conversation_id AND mb.user_id = $2
                        WHERE a.media_id = m.id))`,
      [mediaId, userId],
    );
    return rows.length > 0;
  }

  /** Locks an upload for its deletion; undefined when there is none. */
  async lockUpload(manager: EntityManager, mediaId: string): Promise<{ uploaderId: string; hasThumbnail: boolean } | undefined> {
    const row = await selectOne<{ uploader_id: string; has_thumbnail: boolean }>(
      manager,
      `SELECT uploader_id, has_thumbnail FROM media WHERE id = $1 FOR UPDATE`,
      [mediaId],
    );
    return row && { uploaderId: row.uploader_id, hasThumbnail: row.has_thumbnail };
  }

  /** Whether a message of `conversationId` that is not deleted carries the upload. */
  async mediaInConversation(mediaId: string, conversationId: string, manager: EntityManager = this.manager): Promise<boolean> {
    const rows = await select(
      manager,
      `SELECT 1 FROM message_attachment a
         JOIN message msg ON msg.id = a.message_id AND msg.deleted_at IS NULL
        WHERE a.media_id = $1 AND msg.conversation_id = $2
        LIMIT 1`,
      [mediaId, conversationId],
    );
    return rows.length > 0;
  }

  /** Whether the upload is the avatar of a user who is not banned. */
  async isCurrentAvatar(mediaId: string, manager: EntityManager = this.manager): Promise<boolean> {
    const rows = await select(manager, `SELECT 1 FROM users WHERE avatar_media_id = $1 AND NOT banned LIMIT 1`, [mediaId]);
    return rows.length > 0;
  }

  /**
   * Those of `mediaIds` that `uploaderId` uploaded (only images, with `imagesOnly`), share-locked
   * until the transaction ends: the orphan sweep skips them meanwhile, so nothing deletes an upload
   * while it is being attached or made an avatar.
   */
  async lockOwnUploads(manager: EntityManager, uploaderId: string, mediaIds: string[], imagesOnly = false): Promise<Set<string>> {
    if (!mediaIds.length) return new Set();
    const rows = await select<{ id: string }>(
      manager,
      `SELECT id FROM media WHERE id = ANY($1::uuid[]) AND uploader_id = $2 ${imagesOnly ? `AND mime_type LIKE 'image/%'` : ''} FOR SHARE`,
      [mediaIds, uploaderId],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** The ids of the user's conversations. */
  async conversationIdsOf(userId: string): Promise<string[]> {
    const rows = await select<{ conversation_id: string }>(this.manager, `SELECT conversation_id FROM conversation_member WHERE user_id = $1`, [userId]);
    return rows.map((row) => row.conversation_id);
  }

  /** `conversationIdsOf` for many users in one statement, in the order of `userIds`. */
  async conversationIdsOfMany(userIds: string[]): Promise<string[][]> {
    if (!userIds.length) return [];
    const rows = await select<{ user_id: string; conversation_id: string }>(
      this.manager,
      `SELECT user_id, conversation_id FROM conversation_member WHERE user_id = ANY($1::uuid[])`,
      [[...new Set(userIds)]],
    );
    const byUser = new Map<string, string[]>();
    for (const row of rows) (byUser.get(row.user_id) ?? byUser.set(row.user_id, []).get(row.user_id)!).push(row.conversation_id);
    return userIds.map((id) => byUser.get(id) ?? []);
  }

  /**
   * The user's memberships, the most recently active conversation first (at most `limit`), each with
   * where its window of events starts, and the log's head in the same snapshot: membership changes
   * sequenced at or below `head` are already reflected in the rows.
   */
  async membershipWindows(userId: string, limit: number, conversationId?: string): Promise<{ windows: MembershipWindow[]; head: bigint }> {
    // Prepared: every handshake reads this (a reconnect storm, thousands at once).
    const rows = await selectPrepared<{ conversation_id: string; joined_at: string | null; head: string | null }>(
      this.manager,
      conversationId ? 'membership_window' : 'membership_windows',
      `SELECT mb.conversation_id, ${JOIN_POSITION} AS joined_at, (SELECT max(position) FROM chat_event) AS head
         FROM conversation_member mb
         JOIN conversation c ON c.id = mb.conversation_id
         LEFT JOIN chat_event j ON j.id = mb.joined_event_id
        WHERE mb.user_id = $1 ${conversationId ? 'AND mb.conversation_id = $3' : ''}
        ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id
        LIMIT $2`,
      conversationId ? [userId, limit, conversationId] : [userId, limit],
    );
    const head = rows.length ? rows[0].head : (await selectOne<{ head: string | null }>(this.manager, `SELECT max(position) AS head FROM chat_event`))?.head;
    return {
      windows: rows.map((row) => ({ conversationId: row.conversation_id, joinedAt: row.joined_at === null ? null : BigInt(row.joined_at) })),
      head: BigInt(head ?? 0),
    };
  }

  /**
   * The events `userId` may see above position `since`, oldest first: those addressed to the user, and
   * those of each conversation the user is a member of, from the position of the join's event on (so a
   * late joiner sees nothing from before, and a member who left sees nothing more). One range scan of
   * `chat_event_conversation_position_idx` per membership and one of `chat_event_user_position_idx`,
   * each stopping after `limit` rows, merged: the cost follows what the user can see, not the log's size.
   * A part (the CTE `visible`, rows of `VisibleEventRow`): /sync reads it with the log's bounds in one statement.
   */
  visibleEventsPart(userId: string, since: bigint, limit: number): StatementPart {
    const { sql, parameters } = visibleEventsQuery(userId, since, limit);
    return { ctes: [['visible', sql]], parameters };
  }
}

/**
 * Where a membership's window starts: the join's event's position; 0 when that event was already pruned
 * (everything retained is after it) or the membership predates the record of joins; null while the
 * join's event has no position yet.
 */
const JOIN_POSITION = `CASE WHEN mb.joined_event_id IS NULL OR j.id IS NULL THEN 0 ELSE j.position END`;

/**
 * Exported for the EXPLAIN test. Each part orders by its index's columns (the first one fixed by the
 * condition), so the planner walks that index from the cursor and stops at `limit`, rather than
 * walking the whole log by position and filtering.
 */
export function visibleEventsQuery(userId: string, since: bigint, limit: number): { sql: string; parameters: unknown[] } {
  return {
    sql: `SELECT position, type, data FROM (
            SELECT e.position, e.type, e.data
              FROM conversation_member mb
              LEFT JOIN chat_event j ON j.id = mb.joined_event_id
             CROSS JOIN LATERAL (
                   SELECT ce.position, ce.type, ce.data FROM chat_event ce
                    WHERE ce.conversation_id = mb.conversation_id AND ce.position > greatest($2::bigint, ${JOIN_POSITION})
                    ORDER BY ce.conversation_id, ce.position LIMIT $3) e
             WHERE mb.user_id = $1 AND ${JOIN_POSITION} IS NOT NULL
            UNION ALL
            (SELECT ue.position, ue.type, ue.data FROM chat_event ue
              WHERE ue.user_id = $1 AND ue.position > $2::bigint
              ORDER BY ue.user_id, ue.position LIMIT $3)
          ) visible
          ORDER BY position
          LIMIT $3`,
    parameters: [userId, since.toString(), limit],
  };
}

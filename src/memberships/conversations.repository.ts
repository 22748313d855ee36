import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ConversationMode, ConversationType, MemberRole } from '../access/access.types.js';
import { change, combine, select, selectOne, selectPrepared, type SqlQuery, type StatementPart } from '../database/sql.js';
import type { NotificationLevel } from './conversation-member.entity.js';

/** A change of a member's own view of a conversation; absent fields stay as they are. */
export interface OwnStateChange {
  muted?: boolean;
  mutedUntil?: string | null;
  archived?: boolean;
  hidden?: boolean;
  pinned?: boolean;
  notificationLevel?: NotificationLevel;
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
  muted: boolean;
  muted_until: Date | null;
  archived: boolean;
  hidden: boolean;
  pinned_at: Date | null;
  notification_level: NotificationLevel;
  metadata: Record<string, unknown>;
  mode: ConversationMode;
  slow_mode_seconds: number;
}

/** A list row also carries where it sorts, exactly (microseconds), for the cursor: by pin time when pinned, else by activity. */
export type ListedRow = MembershipRow & { position_at: string; pinned_position_at: string | null };

/** A member of a conversation, oldest first, with the markers. */
export interface MemberRow {
  user_id: string;
  role: MemberRole;
  last_read_seq: string;
  last_delivered_seq: string;
  joined_at: Date;
  moderation_muted: boolean;
  moderation_muted_until: Date | null;
  metadata: Record<string, unknown>;
}

/** A group's posting rules; absent fields stay as they are. */
export interface PostingRulesChange {
  title?: string;
  mode?: ConversationMode;
  slowModeSeconds?: number;
}

export interface ConversationListWindow {
  userId: string;
  /** Archived conversations, or the others (the default); hidden ones are in neither. */
  archived?: boolean;
  /** Where the previous page ended: among the pinned ones (`pinned`, by pin time) or the others (by activity). */
  after?: { positionAt: string; id: string; pinned?: boolean };
  limit: number;
}

/** The member's own view, as every read of memberships selects it. */
const OWN_STATE_COLUMNS = 'mb.muted, mb.muted_until, mb.archived, mb.hidden, mb.pinned_at, mb.notification_level';
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of a user's conversations: the pinned ones first (the most recently pinned first), then the
 * others, most recently active first — by the newest message, or by creation for a conversation without
 * messages yet — then by id; archived ones only with `archived`, hidden ones never. Reads the user's
 * memberships through `conversation_member_user_idx` and each of their conversations by its key: the cost
 * follows the user's conversations, never the size of the table. (`OFFSET 0` keeps the planner from
 * turning the per-membership lookup into a hash join that scans every conversation, which it prefers while
 * the table is small.) Exported for the EXPLAIN test.
 */
export function conversationListQuery({ userId, archived = false, after, limit }: ConversationListWindow): SqlQuery {
  const activity = 'coalesce(c.last_message_at, c.created_at)';
  const parameters: unknown[] = [userId, archived];
  let cursor = '';
  if (after?.pinned) {
    parameters.push(after.positionAt, after.id);
    cursor = `AND (mb.pinned_at IS NULL OR (mb.pinned_at, c.id) < ($3::timestamptz, $4::uuid))`;
  } else if (after) {
    parameters.push(after.positionAt, after.id);
    cursor = `AND mb.pinned_at IS NULL AND (${activity}, c.id) < ($3::timestamptz, $4::uuid)`;
  }
  parameters.push(limit);
  return {
    sql: `SELECT c.id, c.type, c.title, c.created_at, c.last_seq, c.metadata, c.mode, c.slow_mode_seconds, mb.user_id, mb.role, mb.last_read_seq, ${OWN_STATE_COLUMNS},
                 ${iso(activity)} AS position_at, ${iso('mb.pinned_at')} AS pinned_position_at
            FROM conversation_member mb
           CROSS JOIN LATERAL (SELECT * FROM conversation WHERE id = mb.conversation_id OFFSET 0) c
           WHERE mb.user_id = $1 AND mb.archived = $2 AND NOT mb.hidden ${cursor}
           ORDER BY mb.pinned_at IS NULL, mb.pinned_at DESC, CASE WHEN mb.pinned_at IS NULL THEN ${activity} END DESC, c.id DESC
           LIMIT $${parameters.length}`,
    parameters,
  };
}

/**
 * The statement that takes a conversation's next seq: it bumps `last_seq` and stamps `last_message_at`
 * under the row lock (held until the sending transaction ends), answering both. This table's owner
 * writes it; the message insert embeds it as a CTE (`MessagesRepository.insertNext`), so a send stays
 * one statement while the lock is held. `$1` is the conversation id.
 */
export const TAKE_NEXT_SEQ_SQL = `UPDATE conversation SET last_seq = last_seq + 1, last_message_at = clock_timestamp() WHERE id = $1
         RETURNING last_seq, last_message_at`;

const MEMBERSHIP_SELECT = `SELECT c.id, c.type, c.title, c.created_at, c.last_seq, c.metadata, c.mode, c.slow_mode_seconds, mb.user_id, mb.role, mb.last_read_seq, ${OWN_STATE_COLUMNS}
  FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id`;

/**
 * The one repository of `conversation` and `conversation_member`: conversations, membership, roles and
 * markers. Methods taking a manager join its transaction. Who may do what is not decided here
 * (`src/access`); this holds the data.
 */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  listForUser(window: ConversationListWindow): Promise<ListedRow[]> {
    const { sql, parameters } = conversationListQuery(window);
    // Prepared, a name per cursor variant (each its own text).
    const variant = window.after?.pinned ? 'pinned' : window.after ? 'active' : 'first';
    return selectPrepared<ListedRow>(this.manager, `conversation_list_${variant}`, sql, parameters);
  }

  /** The conversation as each of `userIds` (all members when omitted) sees it. */
  membershipsOf(conversationId: string, userIds?: string[], manager: EntityManager = this.manager): Promise<MembershipRow[]> {
    return userIds
      ? select<MembershipRow>(manager, `${MEMBERSHIP_SELECT} WHERE mb.conversation_id = $1 AND mb.user_id = ANY($2::uuid[])`, [conversationId, userIds])
      : select<MembershipRow>(manager, `${MEMBERSHIP_SELECT} WHERE mb.conversation_id = $1`, [conversationId]);
  }

  /** Every member, the longest-standing first. */
  members(conversationId: string, manager: EntityManager = this.manager): Promise<MemberRow[]> {
    return select<MemberRow>(
      manager,
      `SELECT user_id, role, last_read_seq, last_delivered_seq, joined_at, moderation_muted, moderation_muted_until, metadata
         FROM conversation_member WHERE conversation_id = $1 ORDER BY joined_at, user_id`,
      [conversationId],
    );
  }

  async memberIds(conversationId: string, manager: EntityManager = this.manager): Promise<string[]> {
    return (await this.members(conversationId, manager)).map((row) => row.user_id);
  }

  /** Every member of those of `conversationIds` that are direct: two per conversation, for `Conversation.peer`. */
  async directMembers(conversationIds: string[], manager: EntityManager = this.manager): Promise<Array<{ conversation_id: string; user_id: string }>> {
    if (!conversationIds.length) return [];
    return select<{ conversation_id: string; user_id: string }>(
      manager,
      `SELECT mb.conversation_id, mb.user_id FROM conversation_member mb
         JOIN conversation c ON c.id = mb.conversation_id AND c.type = 'direct'
        WHERE mb.conversation_id = ANY($1::uuid[])`,
      [conversationIds],
    );
  }

  /** The id of a new direct conversation, or undefined when the pair already has one (maybe being created right now). */
  async insertDirect(manager: EntityManager, directKey: string): Promise<string | undefined> {
    const row = await selectOne<{ id: string }>(
      manager,
      `INSERT INTO conversation (type, direct_key) VALUES ('direct', $1) ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
      [directKey],
    );
    return row?.id;
  }

  async directIdByKey(manager: EntityManager, directKey: string): Promise<string> {
    const row = await selectOne<{ id: string }>(manager, `SELECT id FROM conversation WHERE direct_key = $1`, [directKey]);
    return row!.id;
  }

  async insertGroup(manager: EntityManager, title: string): Promise<string> {
    const row = await selectOne<{ id: string }>(manager, `INSERT INTO conversation (type, title) VALUES ('group', $1) RETURNING id`, [title]);
    return row!.id;
  }

  /**
   * Adds members whose markers start at the conversation's newest message: they joined after it, so it
   * is neither unread for them nor made "unread" again for its sender. Members added together join a
   * microsecond apart in the order given (the owner first), so "longest-standing" is never a tie a
   * coarse clock would leave to chance. Answers who was actually added.
   */
  async addMembers(manager: EntityManager, conversationId: string, members: Array<{ userId: string; role: MemberRole }>): Promise<string[]> {
    const rows = await select<{ user_id: string }>(
      manager,
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

  /** Records each new member's join event: where their window of the conversation's events starts. */
  async setJoinedEvents(manager: EntityManager, conversationId: string, joins: Array<{ userId: string; eventId: string }>): Promise<void> {
    if (!joins.length) return;
    await change(
      manager,
      `UPDATE conversation_member mb SET joined_event_id = j.event_id
         FROM unnest($2::uuid[], $3::bigint[]) AS j(user_id, event_id)
        WHERE mb.conversation_id = $1 AND mb.user_id = j.user_id`,
      [conversationId, joins.map((join) => join.userId), joins.map((join) => join.eventId)],
    );
  }

  async setRole(manager: EntityManager, conversationId: string, userId: string, role: MemberRole): Promise<void> {
    await change(manager, `UPDATE conversation_member SET role = $3 WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId, role]);
  }

  async removeMember(manager: EntityManager, conversationId: string, userId: string): Promise<void> {
    await change(manager, `DELETE FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId]);
  }

  /** Makes the longest-standing admin the owner, or else the longest-standing member; none left, no one. */
  async handOverOwnership(manager: EntityManager, conversationId: string): Promise<string | undefined> {
    const { rows } = await change<{ user_id: string }>(
      manager,
      `UPDATE conversation_member SET role = 'owner'
        WHERE conversation_id = $1 AND user_id = (
          SELECT user_id FROM conversation_member WHERE conversation_id = $1
           ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1)
        RETURNING user_id`,
      [conversationId],
    );
    return rows[0]?.user_id;
  }

  /** The conversation's metadata (its row is locked by the caller's access check). */
  async metadataOf(manager: EntityManager, conversationId: string): Promise<Record<string, unknown>> {
    const row = await selectOne<{ metadata: Record<string, unknown> }>(manager, `SELECT metadata FROM conversation WHERE id = $1`, [conversationId]);
    return row?.metadata ?? {};
  }

  async setMetadata(manager: EntityManager, conversationId: string, metadata: Record<string, unknown>): Promise<void> {
    await change(manager, `UPDATE conversation SET metadata = $2::jsonb, updated_at = now() WHERE id = $1`, [conversationId, JSON.stringify(metadata)]);
  }

  /** A group's title, mode and slow mode (the row is locked by the caller's access check). */
  async postingRulesOf(manager: EntityManager, conversationId: string): Promise<{ title: string | null; mode: ConversationMode; slowModeSeconds: number }> {
    const row = await selectOne<{ title: string | null; mode: ConversationMode; slow_mode_seconds: number }>(
      manager,
      `SELECT title, mode, slow_mode_seconds FROM conversation WHERE id = $1`,
      [conversationId],
    );
    return { title: row!.title, mode: row!.mode, slowModeSeconds: row!.slow_mode_seconds };
  }

  async setPostingRules(manager: EntityManager, conversationId: string, rules: PostingRulesChange): Promise<void> {
    await change(
      manager,
      `UPDATE conversation SET title = coalesce($2, title), mode = coalesce($3, mode), slow_mode_seconds = coalesce($4::int, slow_mode_seconds), updated_at = now()
        WHERE id = $1`,
      [conversationId, rules.title ?? null, rules.mode ?? null, rules.slowModeSeconds ?? null],
    );
  }

  /** A member's moderation mute as stored (an expired one reads as not muted: see `isModerationMuted`). */
  async moderationMuteOf(
    manager: EntityManager,
    conversationId: string,
    userId: string,
  ): Promise<Pick<MemberRow, 'moderation_muted' | 'moderation_muted_until'>> {
    const row = await selectOne<Pick<MemberRow, 'moderation_muted' | 'moderation_muted_until'>>(
      manager,
      `SELECT moderation_muted, moderation_muted_until FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
    return row ?? { moderation_muted: false, moderation_muted_until: null };
  }

  /** A member's metadata (the conversation row is locked by the caller's access check). */
  async memberMetadataOf(manager: EntityManager, conversationId: string, userId: string): Promise<Record<string, unknown>> {
    const row = await selectOne<{ metadata: Record<string, unknown> }>(
      manager,
      `SELECT metadata FROM conversation_member WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
    return row?.metadata ?? {};
  }

  async setMemberMetadata(manager: EntityManager, conversationId: string, userId: string, metadata: Record<string, unknown>): Promise<void> {
    await change(manager, `UPDATE conversation_member SET metadata = $3::jsonb WHERE conversation_id = $1 AND user_id = $2`, [
      conversationId,
      userId,
      JSON.stringify(metadata),
    ]);
  }

  /** Mutes (until a time, or until unmuted: null) or unmutes (`muted` false) a member. */
  async setModerationMute(manager: EntityManager, conversationId: string, userId: string, muted: boolean, until: string | null): Promise<void> {
    await change(
      manager,
      `UPDATE conversation_member SET moderation_muted = $3, moderation_muted_until = $4::timestamptz WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId, muted, muted ? until : null],
    );
  }

  /**
   * Stamps a send on the sender's membership, inside the send's transaction (after the seq was taken, so
   * the conversation's row lock is held and one conversation's sends stamp one at a time, on any instance).
   * Refused (answers the seconds to wait) when slow mode is on, the sender is not `exempt`, and their last
   * post is younger than `slow_mode_seconds`; 0 once stamped.
   */
  async stampPost(manager: EntityManager, conversationId: string, userId: string, exempt: boolean): Promise<number> {
    const { sql, parameters } = combine([stampPostPart(conversationId, userId, exempt)], 'SELECT wait FROM post_target');
    const rows = await select<{ wait: number }>(manager, sql, parameters);
    return rows[0]?.wait ?? 0;
  }

  async memberCount(manager: EntityManager, conversationId: string): Promise<number> {
    const row = await selectOne<{ members: number }>(manager, `SELECT count(*)::int AS members FROM conversation_member WHERE conversation_id = $1`, [
      conversationId,
    ]);
    return row!.members;
  }

  /** Moves markers forward only (the membership row was locked by the access check). */
  async setMarkers(manager: EntityManager, conversationId: string, userId: string, markers: { lastReadSeq: number; lastDeliveredSeq: number }): Promise<void> {
    await change(
      manager,
      `UPDATE conversation_member SET last_read_seq = GREATEST(last_read_seq, $3), last_delivered_seq = GREATEST(last_delivered_seq, $4)
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId, markers.lastReadSeq, markers.lastDeliveredSeq],
    );
  }

  /** Changes the member's own view (pinning again keeps the first pin time). */
  async setOwnState(manager: EntityManager, conversationId: string, userId: string, state: OwnStateChange): Promise<void> {
    const sets: string[] = [];
    const parameters: unknown[] = [conversationId, userId];
    const set = (column: string, value: unknown, cast = '') => {
      parameters.push(value);
      sets.push(`${column} = $${parameters.length}${cast}`);
    };
    if (state.muted !== undefined) set('muted', state.muted);
    if (state.mutedUntil !== undefined) set('muted_until', state.mutedUntil, '::timestamptz');
    if (state.archived !== undefined) set('archived', state.archived);
    if (state.hidden !== undefined) set('hidden', state.hidden);
    if (state.pinned !== undefined) sets.push(state.pinned ? 'pinned_at = coalesce(pinned_at, clock_timestamp())' : 'pinned_at = NULL');
    if (state.notificationLevel !== undefined) set('notification_level', state.notificationLevel);
    if (!sets.length) return;
    await change(manager, `UPDATE conversation_member SET ${sets.join(', ')} WHERE conversation_id = $1 AND user_id = $2`, parameters);
  }

  /**
   * New activity from `senderId`: the other members who archived or hid the conversation see it again,
   * unless they muted it (and the mute has not run out). Answers who.
   */
  async bringBack(manager: EntityManager, conversationId: string, senderId: string): Promise<string[]> {
    const { sql, parameters } = bringBackQuery(conversationId, senderId);
    const { rows } = await change<{ user_id: string }>(manager, sql, parameters);
    return rows.map((row) => row.user_id);
  }

  async count(): Promise<number> {
    const row = await selectOne<{ count: number }>(this.manager, `SELECT count(*)::int AS count FROM conversation`);
    return row!.count;
  }
}

/**
 * What a send brings back: the members (not the sender) who archived or hid the conversation and have not
 * muted it. `conversation_member_away_idx` holds only those rows, so a send in a big room reads a few.
 */
/**
 * `stampPost` as a part of a larger statement: `post_target` answers `wait` (0 when stamped); the caller
 * must hold the conversation's row lock, as a send does from its seq bump on.
 */
/**
 * `otherMembersMarkers` as a part of one statement: the CTE `h_markers` is one row, `list` a JSON array of
 * `{ c: conversationId, s: senderId, r: readSeq, d: deliveredSeq }`.
 */
export function otherMembersMarkersPart(pairs: Array<{ conversationId: string; senderId: string }>): StatementPart {
  return {
    ctes: [
      [
        'h_markers',
        `SELECT coalesce(json_agg(json_build_object('c', k.conversation_id, 's', k.sender_id, 'r', k.read_seq, 'd', k.delivered_seq)), '[]'::json) AS list
           FROM (SELECT s.conversation_id, s.sender_id, min(mb.last_read_seq) AS read_seq, min(mb.last_delivered_seq) AS delivered_seq
                   FROM unnest($1::uuid[], $2::uuid[]) AS s(conversation_id, sender_id)
                   JOIN conversation_member mb ON mb.conversation_id = s.conversation_id AND mb.user_id <> s.sender_id
                  GROUP BY s.conversation_id, s.sender_id) k`,
      ],
    ],
    parameters: [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.senderId)],
  };
}

/** How many members each conversation has, as a part of one statement: the CTE `x_members`, `list` a JSON array of `{ c, n }`. */
export function memberCountsPart(conversationIds: string[]): StatementPart {
  return {
    ctes: [
      [
        'x_members',
        `SELECT coalesce(json_agg(json_build_object('c', q.conversation_id, 'n', q.members)), '[]'::json) AS list
           FROM (SELECT conversation_id, count(*)::int AS members FROM conversation_member WHERE conversation_id = ANY($1::uuid[]) GROUP BY conversation_id) q`,
      ],
    ],
    parameters: [conversationIds],
  };
}

export function stampPostPart(conversationId: string, userId: string, exempt: boolean): StatementPart {
  return {
    ctes: [
      [
        'post_target',
        `SELECT mb.conversation_id, mb.user_id,
                CASE WHEN $3::boolean OR c.slow_mode_seconds = 0 OR mb.last_posted_at IS NULL THEN 0
                     ELSE greatest(0, ceil(extract(epoch FROM mb.last_posted_at + c.slow_mode_seconds * interval '1 second' - clock_timestamp())))::int END AS wait
           FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
          WHERE mb.conversation_id = $1 AND mb.user_id = $2
            FOR UPDATE OF mb`,
      ],
      [
        'post_stamped',
        `UPDATE conversation_member mb SET last_posted_at = clock_timestamp()
           FROM post_target t WHERE t.wait = 0 AND mb.conversation_id = t.conversation_id AND mb.user_id = t.user_id`,
      ],
    ],
    parameters: [conversationId, userId, exempt],
  };
}

/**
 * A post's seq when slow mode cannot hold the sender back (it is off, or the sender is exempt), as the CTE
 * `c` (`last_seq`, `last_message_at`): no row when slow mode is on for them, so the statement posts
 * nothing and the caller takes the transaction that works out the wait. Checked on the row the UPDATE
 * locks, so slow mode switched on meanwhile is seen.
 */
export function takeSeqUnlessSlowedPart(conversationId: string, exempt: boolean): StatementPart {
  return {
    ctes: [
      [
        'c',
        `UPDATE conversation SET last_seq = last_seq + 1, last_message_at = clock_timestamp()
          WHERE id = $1 AND ($2::boolean OR slow_mode_seconds = 0)
          RETURNING last_seq, last_message_at`,
      ],
    ],
    parameters: [conversationId, exempt],
  };
}

/** The sender's last post stamped (what slow mode counts from), if `onlyIf` holds: as the CTE `post_stamped`. */
export function stampPostedPart(conversationId: string, userId: string, onlyIf: string): StatementPart {
  return {
    ctes: [['post_stamped', `UPDATE conversation_member SET last_posted_at = clock_timestamp() WHERE conversation_id = $1 AND user_id = $2 AND ${onlyIf}`]],
    parameters: [conversationId, userId],
  };
}

/**
 * `bringBackQuery` as a part of a larger statement: `brought_back` answers the members it brought back.
 * `onlyIf` is a condition on the statement's other CTEs (the post happened).
 */
export function bringBackPart(conversationId: string, senderId: string, onlyIf = 'true'): StatementPart {
  const { sql, parameters } = bringBackQuery(conversationId, senderId);
  return { ctes: [['brought_back', sql.replace('RETURNING', `AND ${onlyIf}\n           RETURNING`)]], parameters };
}

export function bringBackQuery(conversationId: string, senderId: string): SqlQuery {
  return {
    sql: `UPDATE conversation_member SET archived = false, hidden = false
           WHERE conversation_id = $1 AND user_id <> $2 AND (archived OR hidden)
             AND NOT (muted AND (muted_until IS NULL OR muted_until > clock_timestamp()))
           RETURNING user_id`,
    parameters: [conversationId, senderId],
  };
}

import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { MemberRole } from '../access/access.types.js';
import { Conversation } from './conversation.entity.js';

export type { MemberRole } from '../access/access.types.js';

export const NOTIFICATION_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

/**
 * A user's membership of a conversation, with the two markers that only move forward: the highest seq
 * the user's devices received (`last_delivered_seq`) and read (`last_read_seq`).

 */
@Entity('conversation_member')
@Index('conversation_member_user_idx', ['userId'])
// What a send brings back (`bringBack`): the few members who archived or hid the conversation.
@Index('conversation_member_away_idx', ['conversationId'], { where: 'archived OR hidden' })
@Check('conversation_member_role_ck', `role IN ('owner', 'admin', 'member')`)
@Check('conversation_member_notification_level_ck', `notification_level IN ('all', 'mentions', 'none')`)
export class ConversationMember {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'conversation_member_pk' })
  conversationId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'conversation_member_pk' })
  userId: string;

  @Column({ type: 'varchar', length: 16, default: 'member' })
  role: MemberRole;

  @Column({ type: 'bigint', default: 0 })
  lastReadSeq: string;

  @Column({ type: 'bigint', default: 0 })
  lastDeliveredSeq: string;

  @CreateDateColumn({ type: 'timestamptz' })
  joinedAt: Date;

  /**
   * The id of the join's event (the `conversation.updated` addressed to this member when they were
   * added): this member sees the conversation's events from that event's position on, and none from
   * before. A re-join is a new row, so a new window. Null for memberships older than the record.
   */
  @Column({ type: 'bigint', nullable: true })
  joinedEventId: string | null;

  /*
   * The member's own view of the conversation: nobody else sees or changes these. Muted until
   * `muted_until` (null: until unmuted); archived and hidden until the member changes them or someone
   * else writes (unless muted); pinned conversations list first, the most recently pinned first.
   */
  @Column({ type: 'boolean', default: false })
  muted: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  mutedUntil: Date | null;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  @Column({ type: 'boolean', default: false })
  hidden: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  pinnedAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'all' })
  notificationLevel: NotificationLevel;

  /*
   * Moderation, set by the group's owner or an admin: a muted member reads but cannot post, until
   * `moderation_muted_until` (null: until unmuted) — compared with the clock at each send, no job ends it.
   * `last_posted_at` is stamped by every send in its transaction: slow mode reads it (across instances).
   */
  @Column({ type: 'boolean', default: false })
  moderationMuted: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  moderationMutedUntil: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastPostedAt: Date | null;

  /** Custom fields on the membership (see src/common/metadata): set by the member, the owner, or an admin for a plain member. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'conversation_member_conversation_fk' })
  conversation?: Relation<Conversation>;

  // By name, not class: this folder sits below users in the module graph.
  @ManyToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'conversation_member_user_fk' })
  user?: { id: string };
}

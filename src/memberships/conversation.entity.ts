import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { ConversationMode, ConversationType } from '../access/access.types.js';

export type { ConversationMode, ConversationType } from '../access/access.types.js';

/** The key of the one direct conversation between two users: both ids, sorted, joined by `:`. */
export function directKeyOf(userA: string, userB: string): string {
  return [userA, userB].sort().join(':');
}

/**
 * A direct (two people, no roles to manage) or group conversation. `last_seq` is the seq of its newest
 * message: each send increments it under the row lock, which is what makes seqs gap-free in commit order.
 * `direct_key` is unique, so the database itself guarantees one direct conversation per pair of users.
 */
@Entity('conversation')
@Unique('conversation_direct_key_uq', ['directKey'])
@Check('conversation_direct_key_ck', `(type = 'direct') = (direct_key IS NOT NULL)`)
@Check('conversation_type_ck', `type IN ('direct', 'group')`)
@Check('conversation_mode_ck', `mode IN ('open', 'announcements')`)
@Check('conversation_slow_mode_ck', `slow_mode_seconds BETWEEN 0 AND 21600`)
export class Conversation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'conversation_pk' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  type: ConversationType;

  /** Groups only. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  title: string | null;

  @Column({ type: 'text', nullable: true })
  directKey: string | null;

  /** bigint: read as a string. */
  @Column({ type: 'bigint', default: 0 })
  lastSeq: string;

  @Column({ type: 'timestamptz', nullable: true })
  lastMessageAt: Date | null;

  /** Custom fields set by owners and admins (see src/common/metadata.ts). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  /** Groups: `announcements` lets only the owner and admins post (see `conversation.post` in src/access). */
  @Column({ type: 'varchar', length: 16, default: 'open' })
  mode: ConversationMode;

  /** Groups: a plain member posts at most once per this many seconds; 0 is off. */
  @Column({ type: 'integer', default: 0 })
  slowModeSeconds: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

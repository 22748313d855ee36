import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The `scope` of the one global policy; every other row's scope is its conversation's id. */
export const GLOBAL_SCOPE = 'global';

/**
 * How long messages are kept: one row for the whole service (`scope = 'global'`, no conversation) and
 * one per conversation that overrides it (`scope` = the conversation's id). A conversation without a
 * row follows the global policy; no global row, or its `days` null, keeps messages forever.
 */
@Entity('retention_policy')
@Index('retention_policy_conversation_uq', ['conversationId'], { unique: true, where: 'conversation_id IS NOT NULL' })
export class RetentionPolicy {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'retention_policy_pk' })
  scope: string;

  @Column({ type: 'uuid', nullable: true })
  conversationId: string | null;

  // By name, not class: retention sits above memberships but does not need its entity.
  @ManyToOne('Conversation', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'retention_policy_conversation_fk' })
  conversation?: { id: string };

  /** Keep messages this many days; null (global row only) keeps them forever. */
  @Column({ type: 'integer', nullable: true })
  days: number | null;

  @Column({ type: 'uuid', nullable: true })
  updatedById: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Conversation } from './conversation.entity.js';

/** The durable `draft.updated` to the draft's owner (`content` null: the draft is gone). */
export function draftUpdated(userId: string, conversationId: string, threadRootId: string | null, draft: { content: string; updatedAt: Date } | null) {
  return {
    type: 'draft.updated' as const,
    userId,
    data: { conversationId, threadRootId, content: draft?.content ?? null, updatedAt: draft ? new Date(draft.updatedAt).toISOString() : null },
  };
}

/** The `thread_key` of a conversation's own draft (not in a thread). */
export const NO_THREAD = '00000000-0000-0000-0000-000000000000';

/**
 * A member's unsent text, one per conversation and one per thread of it (`thread_key` is the thread's
 * root, or `NO_THREAD`, so the key is unique without nullable columns in it). Cleared by the member's
 * next send there. The member's devices share it (`draft.updated` on the user's room).
 */
@Entity('draft')
@Index('draft_user_updated_idx', ['userId', 'updatedAt', 'conversationId', 'threadKey'])
@Check('draft_thread_key_ck', `thread_key = coalesce(thread_root_id, '${NO_THREAD}'::uuid)`)
export class Draft {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'draft_pk' })
  userId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'draft_pk' })
  conversationId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'draft_pk' })
  threadKey: string;

  @Column({ type: 'uuid', nullable: true })
  threadRootId: string | null;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'draft_conversation_fk' })
  conversation?: Relation<Conversation>;

  // By name, not class: this folder sits below users and messages in the module graph.
  @ManyToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'draft_user_fk' })
  user?: { id: string };

  @ManyToOne('Message', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'thread_root_id', foreignKeyConstraintName: 'draft_thread_root_fk' })
  threadRoot?: { id: string };
}

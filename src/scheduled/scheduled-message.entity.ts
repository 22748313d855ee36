import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique, UpdateDateColumn } from 'typeorm';
import { registerConflictMessage } from '../common/errors/unique-constraints.js';
import { Conversation } from '../memberships/conversation.entity.js';
import { User } from '../users/user.entity.js';

export const SCHEDULED_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type ScheduledStatus = (typeof SCHEDULED_STATUSES)[number];

registerConflictMessage('scheduled_message_client_id_uq', 'You already scheduled a message with this clientMessageId here');

/**
 * A message to be sent later by its author (src/scheduled): `pending` until its job claims it
 * (`sending`: no more edits), then `sent` (with `messageId`) through the normal send path, or `failed`
 * (with `failureReason`) when the author can no longer post there. Deleting it while pending removes the
 * row. `jobId` is the queue's job for the current `sendAt`: a job that finds another id here was
 * superseded by an edit and does nothing.
 */
@Entity('scheduled_message')
@Unique('scheduled_message_client_id_uq', ['userId', 'conversationId', 'clientMessageId'])
@Index('scheduled_message_user_idx', ['userId', 'sendAt', 'id'])
@Index('scheduled_message_pending_idx', ['userId'], { where: "status IN ('pending', 'sending')" })
export class ScheduledMessage {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'scheduled_message_pk' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'scheduled_message_user_fk' })
  user?: Relation<User>;

  @Column({ type: 'uuid' })
  conversationId: string;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'scheduled_message_conversation_fk' })
  conversation?: Relation<Conversation>;

  @Column({ type: 'uuid' })
  clientMessageId: string;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'timestamptz' })
  sendAt: Date;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: ScheduledStatus;

  @Column({ type: 'uuid', nullable: true })
  messageId: string | null;

  @Column({ type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ type: 'uuid', nullable: true })
  jobId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

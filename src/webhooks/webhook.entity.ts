import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * An outgoing webhook: a URL that receives the durable events of the types it names (optionally of one
 * conversation only), signed with its secret. `cursor` is the event-log position up to which the
 * dispatcher has turned matching events into deliveries: it moves in the same transaction that writes
 * them, so an event is never skipped and never dispatched twice, whatever crashes or how many instances run.
 */
@Entity('webhook')
@Check('webhook_status_ck', `status IN ('active', 'disabled')`)
@Index('webhook_active_idx', ['cursor'], { where: `status = 'active'` })
export class Webhook {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_pk' })
  id: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', array: true })
  events: string[];

  @Column({ type: 'uuid', nullable: true })
  conversationId: string | null;

  /** The HMAC key; shown to the admin once, when it is set. */
  @Column({ type: 'text' })
  secret: string;

  @Column({ type: 'text', default: 'active' })
  status: 'active' | 'disabled';

  /** Why it was disabled: `failures` (by the server) or `admin`. */
  @Column({ type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ type: 'bigint' })
  cursor: string;

  /** Deliveries that went dead since the last success: past WEBHOOK_DISABLE_AFTER the webhook is disabled. */
  @Column({ type: 'integer', default: 0 })
  consecutiveDead: number;

  @Column({ type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

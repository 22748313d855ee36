import { Check, Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Webhook } from './webhook.entity.js';

/**
 * One event on its way to one webhook, and how its last attempt went. Written by the dispatcher in the
 * transaction that moves the webhook's cursor, with the job that sends it.
 */
@Entity('webhook_delivery')
@Check('webhook_delivery_status_ck', `status IN ('pending', 'delivered', 'failed', 'dead')`)
@Index('webhook_delivery_webhook_idx', ['webhookId', 'number'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_delivery_pk' })
  id: string;

  /** Creation order (the deliveries page is newest first by it). */
  @Column({ type: 'bigint' })
  @Generated('increment')
  number: string;

  @Column({ type: 'uuid' })
  webhookId: string;

  @ManyToOne(() => Webhook, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'webhook_delivery_webhook_fk' })
  webhook?: Relation<Webhook>;

  /** The event's position in the log (the body's `cursor`). */
  @Column({ type: 'bigint' })
  position: string;

  @Column({ type: 'text' })
  eventType: string;

  /** What the events are ordered by: `<conversationId>` or `user:<userId>`. */
  @Column({ type: 'text' })
  orderingKey: string;

  @Column({ type: 'text', default: 'pending' })
  status: 'pending' | 'delivered' | 'failed' | 'dead';

  @Column({ type: 'integer', default: 0 })
  attempt: number;

  @Column({ type: 'integer', nullable: true })
  responseStatus: number | null;

  @Column({ type: 'integer', nullable: true })
  latencyMs: number | null;

  /** Why the last attempt failed, when no status tells it (`timeout`, `connection refused`). */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One admin or moderator action, written in the action's own transaction (see `AuditService.record`):
 * the row exists if and only if the action happened. Append-only — nothing updates or deletes a row.
 * The id is an identity, so "newest first" is a walk of the primary key backwards, and each filter has
 * an index that ends with the id for the same walk.
 */
@Entity('audit_entry')
@Index('audit_entry_actor_idx', ['actorId', 'id'])
@Index('audit_entry_target_idx', ['targetId', 'id'])
@Index('audit_entry_type_idx', ['type', 'id'])
export class AuditEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'audit_entry_pk' })
  id: string;

  /** Who acted; no foreign key, so the record outlives any change to the account. */
  @Column({ type: 'uuid' })
  actorId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  targetType: string;

  @Column({ type: 'uuid' })
  targetId: string;

  @Column({ type: 'jsonb', nullable: true })
  before: object | null;

  @Column({ type: 'jsonb', nullable: true })
  after: object | null;

  /** The `x-request-id` of the request that acted. */
  @Column({ type: 'text', nullable: true })
  requestId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

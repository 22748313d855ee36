import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

export const EXPORT_STATUSES = ['pending', 'ready', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * One data export a user asked for (`POST /users/me/export`). The database holds "one pending export
 * per user" in a partial unique index, so two concurrent requests cannot both start one. A ready
 * export's archive is the storage object `<id>.zip`; the row and the file go once `expires_at` is past.
 */
@Entity('data_export')
@Check('data_export_status_ck', `status IN ('pending', 'ready', 'failed')`)
@Index('data_export_pending_user_uq', ['userId'], { unique: true, where: `status = 'pending'` })
@Index('data_export_user_idx', ['userId', 'createdAt'])
@Index('data_export_expires_idx', ['expiresAt'], { where: 'expires_at IS NOT NULL' })
export class DataExport {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'data_export_pk' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  // By name, not class: exports sit beside users and do not need its entity.
  @ManyToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'data_export_user_fk' })
  user?: { id: string };

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: ExportStatus;

  /** The archive's size in bytes, once ready. */
  @Column({ type: 'bigint', nullable: true })
  size: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** When the archive (ready) or the row (failed) is deleted: `EXPORT_TTL` after it finished. */
  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}

/** The storage key of an export's archive (a UUID with a suffix, as `STORAGE_KEY` allows). */
export const archiveKeyOf = (exportId: string) => `${exportId}.zip`;

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** PostgreSQL returns bigint as a string; sizes stay far below 2^53. */
const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/**
 * One uploaded file. The id is chosen by the server before the bytes are stored, and is the storage key
 * of the file (`<id>`) and of its thumbnail (`<id>.thumb`). `mime_type` is what the bytes are, never what
 * the client claimed. Width and height are the displayed size (EXIF orientation applied), images only.
 *
 * `media_orphan_sweep_idx` serves the orphan sweep, which looks for the oldest uploads first.
 */
@Entity('media')
@Index('media_uploader_idx', ['uploaderId'])
@Index('media_orphan_sweep_idx', ['createdAt'])
export class Media {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'media_pk' })
  id: string;

  @Column({ type: 'uuid' })
  uploaderId: string;

  // By name, not class: media sits below users in the module graph (users show avatars).
  @ManyToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'uploader_id', foreignKeyConstraintName: 'media_uploader_fk' })
  uploader?: { id: string };

  @Column({ type: 'varchar', length: 64 })
  mimeType: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  /** Lower-case hex; also the content's ETag. */
  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'integer', nullable: true })
  width: number | null;

  @Column({ type: 'integer', nullable: true })
  height: number | null;

  @Column({ type: 'boolean', default: false })
  hasThumbnail: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

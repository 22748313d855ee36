import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique, UpdateDateColumn } from 'typeorm';
import type { Role } from '../common/auth/auth-user.js';
import { registerConflictMessage } from '../common/errors/unique-constraints.js';
import { Media } from '../media/media.entity.js';

export const ROLES: readonly Role[] = ['user', 'admin'];

registerConflictMessage('user_email_lower_uq', 'An account with this email already exists');
registerConflictMessage('user_username_uq', 'This username is taken');

/**
 * An account. The table is `users` because `user` is a reserved word in PostgreSQL: unquoted, it
 * silently means `current_user` in hand-written SQL.
 *
 * The expression indexes are created by the migration (TypeORM can't express them) and marked
 * `synchronize: false` so the migration generator leaves them alone:
 * - `user_email_lower_uq`: unique `lower(email)`, so emails are unique whatever their case;
 * - `user_username_prefix_idx`, `user_display_name_prefix_idx`, `user_email_prefix_idx`:
 *   `text_pattern_ops` indexes for case-insensitive prefix search (`LIKE 'q%'`).
 */
@Entity('users')
@Unique('user_username_uq', ['username'])
@Index('user_email_lower_uq', { synchronize: false })
@Index('user_username_prefix_idx', { synchronize: false })
@Index('user_display_name_prefix_idx', { synchronize: false })
@Index('user_email_prefix_idx', { synchronize: false })
@Index('user_avatar_media_idx', ['avatarMediaId'], { where: 'avatar_media_id IS NOT NULL' })
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'user_pk' })
  id: string;

  /** Always stored lower-cased. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** `^[a-z0-9_]{3,32}$`. */
  @Column({ type: 'varchar', length: 32 })
  username: string;

  @Column({ type: 'varchar', length: 64 })
  displayName: string;

  @Column({ type: 'varchar', length: 140, nullable: true })
  statusText: string | null;

  /** The user's own custom fields (see src/common/metadata.ts): a bounded JSON object. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  /** The avatar: an image this user uploaded. Indexed because media access asks "is it someone's avatar?". */
  @Column({ type: 'uuid', nullable: true })
  avatarMediaId: string | null;

  /** Loaded only where a `Me` or `Profile` is shown. */
  @ManyToOne(() => Media, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'avatar_media_id', foreignKeyConstraintName: 'user_avatar_media_fk' })
  avatarMedia?: Relation<Media> | null;

  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role: Role;

  @Column({ type: 'boolean', default: false })
  banned: boolean;

  /** A bot (POST /admin/bots): no password anyone knows, acts through API keys; shown as `isBot` in profiles and `sender.isBot`. */
  @Column({ type: 'boolean', default: false })
  isBot: boolean;

  /** When the account was deleted (src/account-deletion): the profile is erased and the account banned. */
  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** When the user's last socket went away; maintained by presence. */
  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

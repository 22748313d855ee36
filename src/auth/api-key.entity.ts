import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import type { Scope } from '../common/auth/scopes.js';
import { User } from '../users/user.entity.js';

/**
 * An API key: it authenticates as `user` (its owner, or the bot an admin minted it for) with `scopes`.
 * Only the keyed hash of the secret is kept (`secretHash`, see api-key-secrets.ts); `prefix` is the
 * first characters of the secret, for telling keys apart in a list. Revoking sets `revokedAt`; the row
 * stays so the owner sees what existed, and so a revoked key's hash can never match a new one.
 */
@Entity('api_key')
@Unique('api_key_secret_hash_uq', ['secretHash'])
@Index('api_key_user_idx', ['userId'])
@Index('api_key_created_by_idx', ['createdById'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_key_pk' })
  id: string;

  /** Who the key acts as. */
  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'api_key_user_fk' })
  user?: Relation<User>;

  /** Who minted it: the owner, or the admin who minted it for a bot. */
  @Column({ type: 'uuid' })
  createdById: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'created_by_id', foreignKeyConstraintName: 'api_key_created_by_fk' })
  createdBy?: Relation<User>;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'text', array: true })
  scopes: Scope[];

  /** Hex HMAC-SHA256 of the whole secret. */
  @Column({ type: 'varchar', length: 64 })
  secretHash: string;

  /** `ck_` and the next 8 characters of the secret. */
  @Column({ type: 'varchar', length: 16 })
  prefix: string;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  /** Moved at most once a minute per key (api-key-authenticator.ts). */
  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

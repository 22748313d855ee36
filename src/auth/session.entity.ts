import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * One signed-in device. Its id is the `sid` of every access token it gets. It holds the SHA-256 of its
 * current refresh token only; the tokens it handed out before are kept as `SpentRefreshToken`s, so
 * presenting one of them again is recognised as reuse and revokes the session.
 */
@Entity('session')
@Unique('session_refresh_token_hash_uq', ['refreshTokenHash'])
@Index('session_user_idx', ['userId'])
export class Session {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'session_pk' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'session_user_fk' })
  user?: Relation<User>;

  /** Hex SHA-256 of the current refresh token. */
  @Column({ type: 'char', length: 64 })
  refreshTokenHash: string;

  /** How many times the refresh token was rotated. */
  @Column({ type: 'integer', default: 0 })
  rotationCount: number;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** The last sign-in or refresh. */
  @Column({ type: 'timestamptz' })
  lastUsedAt: Date;

  /** The current refresh token stops working then; every refresh moves it forward. */
  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Why it was revoked: `logout`, `revoked`, `token_reused`, `password_changed`, `banned`, `role_changed`, `account_deleted`. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  revokedReason: string | null;
}

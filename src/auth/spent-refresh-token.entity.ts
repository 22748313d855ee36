import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Session } from './session.entity.js';

/**
 * A refresh token that was already exchanged: seeing it again means it was stolen (or replayed) —
 * except once, within a short grace window, when a client retries a refresh whose answer it lost.
 */
@Entity('spent_refresh_token')
@Index('spent_refresh_token_session_idx', ['sessionId'])
export class SpentRefreshToken {
  /** Hex SHA-256 of the token. */
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'spent_refresh_token_pk' })
  tokenHash: string;

  @Column({ type: 'uuid' })
  sessionId: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'spent_refresh_token_session_fk' })
  session?: Relation<Session>;

  @CreateDateColumn({ type: 'timestamptz' })
  spentAt: Date;

  /**
   * The refresh token that replaced this one, sealed with a key derived from this one (see
   * `sealSuccessor`): only the holder of this token can open it. Kept for the retry grace window only.
   */
  @Column({ type: 'bytea', nullable: true })
  successorSealed: Buffer | null;

  /** Until when presenting this token again answers `successorSealed` (once), instead of revoking the session. */
  @Column({ type: 'timestamptz', nullable: true })
  replayableUntil: Date | null;
}

import { CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from './user.entity.js';

/** `blocker` blocked `blocked`: one row per pair, so blocking twice is a no-op. */
@Entity('user_block')
@Index('user_block_blocked_idx', ['blockedId'])
export class UserBlock {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'user_block_pk' })
  blockerId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'user_block_pk' })
  blockedId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blocker_id', foreignKeyConstraintName: 'user_block_blocker_fk' })
  blocker?: Relation<User>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blocked_id', foreignKeyConstraintName: 'user_block_blocked_fk' })
  blocked?: Relation<User>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

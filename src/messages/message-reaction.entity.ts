import { CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../users/user.entity.js';
import { Message } from './message.entity.js';

/** One user's reaction with one emoji to one message: the key makes reacting twice a no-op. */
@Entity('message_reaction')
@Index('message_reaction_user_idx', ['userId'])
export class MessageReaction {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_reaction_pk' })
  messageId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_reaction_pk' })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'message_reaction_pk' })
  emoji: string;

  /** Orders a message's emojis by first use. */
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_reaction_message_fk' })
  message?: Relation<Message>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'message_reaction_user_fk' })
  user?: Relation<User>;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Conversation } from '../memberships/conversation.entity.js';
import { User } from '../users/user.entity.js';
import { Message } from './message.entity.js';

/**
 * A user in a thread — who started it, replied in it, or was mentioned in it — with the user's thread
 * read marker. `last_reply_at` copies the root's (every participant's row moves with each reply), so
 * "threads I'm in, the most recently active first" is one range scan of `thread_participant_user_idx`.
 */
@Entity('thread_participant')
@Index('thread_participant_user_idx', ['userId', 'lastReplyAt', 'rootId'])
@Index('thread_participant_user_conversation_idx', ['userId', 'conversationId', 'lastReplyAt', 'rootId'])
export class ThreadParticipant {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'thread_participant_pk' })
  rootId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'thread_participant_pk' })
  userId: string;

  @Column({ type: 'uuid' })
  conversationId: string;

  /** The seq of the newest reply the user has read in this thread; forward only. */
  @Column({ type: 'bigint', default: 0 })
  lastReadSeq: string;

  @Column({ type: 'timestamptz' })
  lastReplyAt: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'root_id', foreignKeyConstraintName: 'thread_participant_root_fk' })
  root?: Relation<Message>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'thread_participant_user_fk' })
  user?: Relation<User>;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'thread_participant_conversation_fk' })
  conversation?: Relation<Conversation>;
}

import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Conversation } from '../memberships/conversation.entity.js';
import { User } from '../users/user.entity.js';
import { Message } from './message.entity.js';

/**
 * A member mentioned by a message (`@username`, or `@all`). Copies the message's conversation, seq and
 * time, so "mentions of me, newest first" (`message_mention_user_idx`) and each conversation's unread
 * mentions above the read marker (`message_mention_unread_idx`) are range scans. Edits replace a
 * message's rows; a tombstone deletes them.
 */
@Entity('message_mention')
@Index('message_mention_user_idx', ['userId', 'createdAt', 'messageId'])
@Index('message_mention_unread_idx', ['userId', 'conversationId', 'seq'])
export class MessageMention {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_mention_pk' })
  messageId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_mention_pk' })
  userId: string;

  @Column({ type: 'uuid' })
  conversationId: string;

  @Column({ type: 'bigint' })
  seq: string;

  /** The message's time. */
  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_mention_message_fk' })
  message?: Relation<Message>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'message_mention_user_fk' })
  user?: Relation<User>;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'message_mention_conversation_fk' })
  conversation?: Relation<Conversation>;
}

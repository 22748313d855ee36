import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import { registerConflictMessage } from '../common/errors/unique-constraints.js';
import { Conversation } from '../memberships/conversation.entity.js';
import { User } from '../users/user.entity.js';

// Neither should ever reach a user: sends take the row lock before numbering and retries are answered
// with the first message. Named here so a bug shows as a clear 409 rather than an anonymous 500.
registerConflictMessage('message_conversation_seq_uq', 'Another message took this position, send again');
registerConflictMessage('message_client_id_uq', 'A message with this clientMessageId was already sent');

/**
 * One message of a conversation. `seq` numbers the conversation's messages 1, 2, 3, … without gaps;
 * history pages by it through `message_conversation_seq_uq`. A deleted message stays as a tombstone
 * (`deleted_at` set, `content` null) so the numbering keeps no holes.
 *
 * `message_content_trgm_idx` (GIN, `lower(content) gin_trgm_ops`) is created by the migration: TypeORM
 * can't express an expression index with an operator class.
 */
@Entity('message')
@Unique('message_conversation_seq_uq', ['conversationId', 'seq'])
@Unique('message_client_id_uq', ['conversationId', 'senderId', 'clientMessageId'])
@Index('message_reply_to_idx', ['replyToId'])
@Index('message_content_trgm_idx', { synchronize: false })
export class Message {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'message_pk' })
  id: string;

  @Column({ type: 'uuid' })
  conversationId: string;

  /** bigint: read as a string. */
  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'uuid' })
  senderId: string;

  /** Plain text as sent (trimmed); null once deleted, or for a message that only carries attachments. */
  @Column({ type: 'text', nullable: true })
  content: string | null;

  @Column({ type: 'uuid', nullable: true })
  replyToId: string | null;

  @Column({ type: 'uuid' })
  clientMessageId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  editedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'message_conversation_fk' })
  conversation?: Relation<Conversation>;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sender_id', foreignKeyConstraintName: 'message_sender_fk' })
  sender?: Relation<User>;

  @ManyToOne(() => Message, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reply_to_id', foreignKeyConstraintName: 'message_reply_to_fk' })
  replyTo?: Relation<Message>;
}

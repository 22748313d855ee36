import type { LinkPreview } from './link-preview.types.js';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import { registerConflictMessage } from '../common/errors/unique-constraints.js';
import { Conversation } from '../memberships/conversation.entity.js';
import { User } from '../users/user.entity.js';

export interface ForwardedFrom {
  messageId: string;
  conversationId: string;
  senderId: string;
  createdAt: string;
}

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
 * can't express an expression index with an operator class. `message_conversation_created_idx` lets the
 * retention sweep find a conversation's expired messages by a range scan (src/retention).
 */
@Entity('message')
@Unique('message_conversation_seq_uq', ['conversationId', 'seq'])
@Unique('message_client_id_uq', ['conversationId', 'senderId', 'clientMessageId'])
@Index('message_reply_to_idx', ['replyToId'])
@Index('message_content_trgm_idx', { synchronize: false })
@Index('message_thread_seq_idx', ['threadRootId', 'seq'], { where: 'thread_root_id IS NOT NULL' })
@Index('message_conversation_created_idx', ['conversationId', 'createdAt'])
@Index('message_pinned_idx', ['conversationId', 'pinnedAt', 'id'], { where: 'pinned_at IS NOT NULL' })
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

  /** The first message of the thread this reply is in (a reply to a reply joins the same thread); null outside threads. */
  @Column({ type: 'uuid', nullable: true })
  threadRootId: string | null;

  /** false: a thread reply kept out of the conversation's unread count (still in its history). */
  @Column({ type: 'boolean', default: true })
  alsoToConversation: boolean;

  /** On a thread's root: how many replies it has, when the newest came, and its first (at most 3) participants. */
  @Column({ type: 'integer', default: 0 })
  replyCount: number;

  @Column({ type: 'timestamptz', nullable: true })
  lastReplyAt: Date | null;

  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  threadParticipantIds: string[];

  /** Pinned to the conversation: when, and by whom. */
  @Column({ type: 'timestamptz', nullable: true })
  pinnedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  pinnedById: string | null;

  /** A forwarded copy: where the original came from (`{ messageId, conversationId, senderId, createdAt }`), as far as the forwarder could see. */
  @Column({ type: 'jsonb', nullable: true })
  forwardedFrom: ForwardedFrom | null;

  /** The link preview of the first URL in the content, attached after the send (src/link-previews). */
  @Column({ type: 'jsonb', nullable: true })
  preview: LinkPreview | null;

  /** Custom fields set by the sender (see src/common/metadata.ts). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

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

  @ManyToOne(() => Message, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'thread_root_id', foreignKeyConstraintName: 'message_thread_root_fk' })
  threadRoot?: Relation<Message>;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'pinned_by_id', foreignKeyConstraintName: 'message_pinned_by_fk' })
  pinnedBy?: Relation<User>;
}

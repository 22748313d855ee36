import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The durable log behind realtime delivery and `/sync`. Writers insert a row in the same transaction
 * as the change it describes, with no `position`; the sequencer then gives committed rows their
 * `position` one batch at a time, so positions follow commit order and a reader that has seen
 * position P can never later find a new event below P.
 */
@Entity('chat_event')
@Index('chat_event_position_uq', ['position'], { unique: true })
@Index('chat_event_unsequenced_idx', ['id'], { where: 'position IS NULL' })
@Index('chat_event_conversation_position_idx', ['conversationId', 'position'])
@Index('chat_event_user_position_idx', ['userId', 'position'])
@Index('chat_event_message_idx', ['messageId'], { where: 'message_id IS NOT NULL' })
export class ChatEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'chat_event_pk' })
  id: string;

  @Column({ type: 'bigint', nullable: true })
  position: string | null;

  @Column({ type: 'text' })
  type: string;

  /** Delivered to the members of this conversation… */
  @Column({ type: 'uuid', nullable: true })
  conversationId: string | null;

  /** …or to this one user (e.g. `conversation.removed` to the member who left). */
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  /**
   * The message this event's data embeds (a `message.*` event's message, a `conversation.updated`'s
   * `lastMessage`): an edit or delete rewrites every such event, so the log never serves words the
   * history no longer shows.
   */
  @Column({ type: 'uuid', nullable: true })
  messageId: string | null;

  @Column({ type: 'jsonb' })
  data: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

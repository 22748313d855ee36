import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Message } from './message.entity.js';

/**
 * A media upload carried by a message, in the order the sender gave. The foreign key to `media` is the
 * media module's to add, with its table.
 */
@Entity('message_attachment')
@Index('message_attachment_media_idx', ['mediaId'])
export class MessageAttachment {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_attachment_pk' })
  messageId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'message_attachment_pk' })
  mediaId: string;

  @Column({ type: 'smallint' })
  position: number;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_attachment_message_fk' })
  message?: Relation<Message>;
}

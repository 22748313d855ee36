import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Media } from '../media/media.entity.js';
import { Message } from './message.entity.js';

/**
 * A media upload carried by a message, in the order the sender gave. An upload a message carries can't
 * be deleted (`message_attachment_media_fk` restricts it); a tombstone's attachments are removed.
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

  @ManyToOne(() => Media, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'media_id', foreignKeyConstraintName: 'message_attachment_media_fk' })
  media?: Relation<Media>;
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { toMediaDto } from '../media/media.mappers.js';
import { MediaService } from '../media/media.service.js';
import type { AttachmentView } from './message.mapper.js';

/**
 * The seam between messages and media uploads: which uploads a sender may attach, and how a message's
 * attachments are shown. Messages never read the media tables directly: both go through `MediaService`.
 */
@Injectable()
export class MessageAttachments {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly media: MediaService,
  ) {}

  /**
   * Every id must be an upload of `userId` (400 otherwise). Inside the send's transaction: the uploads
   * stay locked against the orphan sweep until the message that carries them is committed. Answers them
   * as the message shows them, in the given order.
   */
  async verifyOwnUploads(manager: EntityManager, userId: string, mediaIds: string[]): Promise<AttachmentView[]> {
    return (await this.media.requireOwnUploads(userId, mediaIds, manager)).map(toMediaDto);
  }

  /** Keeps the sender's order. */
  async attach(manager: EntityManager, messageId: string, mediaIds: string[]): Promise<void> {
    if (!mediaIds.length) return;
    await manager.query(
      `INSERT INTO message_attachment (message_id, media_id, position)
       SELECT $1, media_id, position - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS a(media_id, position)`,
      [messageId, mediaIds],
    );
  }

  async detachAll(manager: EntityManager, messageId: string): Promise<void> {
    await manager.query(`DELETE FROM message_attachment WHERE message_id = $1`, [messageId]);
  }

  /** Each message's attachments in order, as `Media`. */
  async attachmentsOf(messageIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, AttachmentView[]>> {
    const byMessage = new Map<string, AttachmentView[]>();
    if (!messageIds.length) return byMessage;
    const rows: Array<{ message_id: string; media_id: string }> = await manager.query(
      `SELECT message_id, media_id FROM message_attachment WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, position`,
      [messageIds],
    );
    const media = await this.media.mediaByIds(
      rows.map((row) => row.media_id),
      manager,
    );
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push(media.get(row.media_id)!);
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ValidationFailed } from '../common/errors/app.exception.js';
import type { AttachmentView } from './message.mapper.js';

/**
 * The seam between messages and media uploads: which uploads a sender may attach, and how a message's
 * attachments are shown. Messages never read the media tables directly; the media module replaces the
 * two marked methods when it exists.
 */
@Injectable()
export class MessageAttachments {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * MEDIA SEAM: every id must be an upload of `userId`. Until a media module exists there is no upload
   * anyone could own, so any attachment is refused.
   */
  async verifyOwnUploads(_userId: string, mediaIds: string[]): Promise<void> {
    if (!mediaIds.length) return;
    throw new ValidationFailed([{ field: 'attachmentIds', message: 'unknown attachment' }], 'unknown attachment');
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

  /** MEDIA SEAM: each message's attachments in order; the media module maps them to its `Media`. */
  async attachmentsOf(messageIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, AttachmentView[]>> {
    const byMessage = new Map<string, AttachmentView[]>();
    if (!messageIds.length) return byMessage;
    const rows: Array<{ message_id: string; media_id: string }> = await manager.query(
      `SELECT message_id, media_id FROM message_attachment WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, position`,
      [messageIds],
    );
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push({ id: row.media_id });
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }
}

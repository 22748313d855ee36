import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ValidationFailed } from '../common/errors/app.exception.js';
import { MAX_ATTACHMENTS, MediaService } from '../media/media.service.js';
import type { AttachmentView } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';

/**
 * The seam between messages and uploads: which uploads a sender may attach (`media.attach`), and how a
 * message's attachments are shown (through `MediaService`, never the media table).
 */
@Injectable()
export class MessageAttachments {
  constructor(
    private readonly access: AccessService,
    private readonly messages: MessagesRepository,
    private readonly media: MediaService,
  ) {}

  /**
   * Every id must be an upload of the sender (at most `MAX_ATTACHMENTS`, no repeats), else 400. Inside
   * the send's transaction: the uploads stay locked against the orphan sweep until the message that
   * carries them is committed. Answers them as the message shows them, in the given order.
   */
  async verifyOwnUploads(manager: EntityManager, user: AuthUser, mediaIds: string[]): Promise<AttachmentView[]> {
    const refuse = (message: string) => new ValidationFailed([{ field: 'attachmentIds', message }], message);
    if (mediaIds.length > MAX_ATTACHMENTS) throw refuse(`at most ${MAX_ATTACHMENTS} attachments per message`);
    if (new Set(mediaIds).size !== mediaIds.length) throw refuse('the same upload is attached twice');
    if (!mediaIds.length) return [];
    await this.access.require(user, Permission.MediaAttach, { mediaIds }, { manager });
    const media = await this.media.mediaByIds(mediaIds, manager);
    return mediaIds.map((id) => media.get(id)!);
  }

  /**
   * Of a message's attachments, those still uploaded, locked so their deletion waits for the caller's
   * commit (and then finds the new carrier): a forward racing `DELETE /media/:id` either goes without
   * the upload or takes it along to be detached with the rest.
   */
  async stillUploaded(manager: EntityManager, attachments: AttachmentView[]): Promise<AttachmentView[]> {
    const existing = await this.media.lockExisting(
      manager,
      attachments.map((media) => media.id),
    );
    return attachments.filter((media) => existing.has(media.id));
  }

  attach(manager: EntityManager, messageId: string, mediaIds: string[]): Promise<void> {
    return this.messages.attach(manager, messageId, mediaIds);
  }

  /** Each message's attachments in order, as `Media`. */
  async attachmentsOf(messageIds: string[], manager?: EntityManager): Promise<Map<string, AttachmentView[]>> {
    if (!messageIds.length) return new Map();
    return this.viewsOf(await this.messages.attachmentIdsOf(messageIds, manager), manager);
  }

  /** Attachment rows (message, media, in order) already read, as each message's `Media`: one look-up, none when there are none. */
  async viewsOf(rows: Array<{ message_id: string; media_id: string }>, manager?: EntityManager): Promise<Map<string, AttachmentView[]>> {
    const byMessage = new Map<string, AttachmentView[]>();
    if (!rows.length) return byMessage;
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

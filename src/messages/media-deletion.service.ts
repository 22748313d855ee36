import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { EventLog } from '../events/event-log.service.js';
import { MediaService } from '../media/media.service.js';
import { MessageViews } from './message-views.js';
import { MessagesRepository } from './messages.repository.js';

/**
 * Deleting an upload (`DELETE /media/:id`, its uploader only): in one transaction it leaves every
 * message that carried it — forwarded copies too — and each such message is announced with
 * `message.updated`, every earlier event embedding it rewritten to the remaining attachments; an avatar
 * it was is cleared. Signed URLs of it answer 404 from then on. Its bytes leave storage after commit
 * (nothing references them any more: the row is gone). Here, above media, because it changes messages.
 */
@Injectable()
export class MediaDeletion {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly media: MediaService,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly eventLog: EventLog,
  ) {}

  async remove(user: AuthUser, mediaId: string): Promise<void> {
    const { hasThumbnail, announced } = await this.dataSource.transaction(async (manager) => {
      const grant = await this.access.require(user, Permission.MediaDelete, { mediaId }, { manager });
      const messageIds = await this.messages.detachEverywhere(manager, mediaId);
      await this.media.deleteWithin(manager, mediaId);
      return { hasThumbnail: grant.hasThumbnail, announced: await this.announceDetached(manager, messageIds) };
    });
    if (announced) this.eventLog.kick();
    await this.media.removeStoredFiles(mediaId, hasThumbnail);
  }

  /**
   * After uploads left these messages (this deletion, or an account's: `users.delete`), inside the same
   * transaction: every earlier event embedding them is rewritten to the remaining attachments, so `/sync`
   * never hands out a removed upload, and each is announced with `message.updated`. Tombstones carry no
   * attachments already. Answers whether anything was announced (the caller kicks after commit).
   */
  async announceDetached(manager: EntityManager, messageIds: string[]): Promise<boolean> {
    const changed = (await this.views.byIds([...new Set(messageIds)], manager)).filter((message) => message.deletedAt === null);
    for (const message of changed) {
      await this.eventLog.rewriteMessage(manager, message.id, {
        content: message.content,
        editedAt: message.editedAt,
        deletedAt: null,
        attachments: message.attachments,
      });
      await this.eventLog.append(manager, { type: 'message.updated', conversationId: message.conversationId, data: message, messageId: message.id });
    }
    return changed.length > 0;
  }
}

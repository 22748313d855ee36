import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Conflict } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageQuery } from '../common/pagination/page-query.dto.js';
import type { NewChatEvent } from '../events/chat-events.js';
import { EventLog } from '../events/event-log.service.js';
import { MessageViews } from './message-views.js';
import { type MessageView, messageForViewer } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';
import { MediaUrls } from '../media/media-urls.js';

/** The durable `pin.updated` of a message (`pinnedAt` null: unpinned). */
export function pinUpdated(conversationId: string, messageId: string, pinnedAt: Date | null): NewChatEvent {
  return { type: 'pin.updated', conversationId, data: { conversationId, messageId, pinned: pinnedAt !== null, pinnedAt: pinnedAt?.toISOString() ?? null } };
}

/**
 * Pinned messages of a conversation: pin and unpin (`message.pin`: owners and admins of a group, either
 * member of a direct conversation), each announced as `pin.updated` to the room; pinning twice or
 * unpinning what is not pinned changes and announces nothing. A tombstone is unpinned by its deletion.
 */
@Injectable()
export class PinsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly urls: MediaUrls,
    private readonly eventLog: EventLog,
  ) {}

  pin(user: AuthUser, conversationId: string, messageId: string): Promise<void> {
    return this.change(user, conversationId, messageId, true);
  }

  unpin(user: AuthUser, conversationId: string, messageId: string): Promise<void> {
    return this.change(user, conversationId, messageId, false);
  }

  /** The most recently pinned first. */
  async list(user: AuthUser, conversationId: string, query: PageQuery): Promise<Page<MessageView>> {
    await this.access.require(user, Permission.ConversationRead, { conversationId });
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? decodeCursor(query.cursor, { pinnedAt: 'timestamp', id: 'uuid' }) : undefined;
    const rows = await this.messages.pinPage(conversationId, before, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: (await this.views.hydrate(page)).map((message) => messageForViewer(message, user.id, this.urls)),
      nextCursor: rows.length > limit ? encodeCursor({ pinnedAt: last.position_at, id: last.id }) : null,
    };
  }

  private async change(user: AuthUser, conversationId: string, messageId: string, pinned: boolean): Promise<void> {
    const changed = await this.dataSource.transaction(async (manager) => {
      // The check locks the message: a pin and a delete of it happen one after the other.
      const { message } = await this.access.require(user, Permission.MessagePin, { conversationId, messageId }, { manager });
      if (message.deleted && pinned) throw new Conflict('The message was deleted');
      const result = await this.messages.setPinned(manager, messageId, pinned ? user.id : null);
      if (!result) return false;
      await this.eventLog.append(manager, pinUpdated(conversationId, messageId, result.pinnedAt));
      return true;
    });
    if (changed) this.eventLog.kick();
  }
}

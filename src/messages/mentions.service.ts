import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageQuery } from '../common/pagination/page-query.dto.js';
import { MessageViews } from './message-views.js';
import { type MessageView, messageForViewer } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';
import { MediaUrls } from '../media/media-urls.js';

/**
 * "Mentions of me": the messages that mention the caller, newest first, only in conversations the
 * caller is a member of now (a member who left sees none of theirs; a tombstone mentions nobody).
 * Who a message mentions is decided when it is sent or edited (`MessageMentions`).
 */
@Injectable()
export class MentionsService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly urls: MediaUrls,
  ) {}

  async list(user: AuthUser, query: PageQuery): Promise<Page<MessageView>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? decodeCursor(query.cursor, { createdAt: 'timestamp', id: 'uuid' }) : undefined;
    const rows = await this.messages.mentionPage(user.id, before, limit + 1);
    const page = rows.slice(0, limit);
    const messages = new Map((await this.views.byIds(page.map((row) => row.message_id))).map((message) => [message.id, message]));
    const last = page[page.length - 1];
    return {
      items: page.map((row) => messageForViewer(messages.get(row.message_id)!, user.id, this.urls)),
      nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.position_at, id: last.message_id }) : null,
    };
  }
}

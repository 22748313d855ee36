import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import { EventLog } from '../events/event-log.service.js';
import type { ThreadListQuery, ThreadQuery } from './dto/thread.query.js';
import { MessageViews } from './message-views.js';
import { type MessageView, messageForViewer } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';
import { MediaUrls } from '../media/media-urls.js';

export interface ThreadPage {
  root: MessageView;
  items: MessageView[];
  hasMore: boolean;
}

export interface ThreadSummary {
  root: MessageView;
  replyCount: number;
  unreadReplies: number;
  lastReplyAt: string | null;
}

/**
 * Threads: a reply (`replyToId`) joins the thread of its parent's root (sending is `MessagesService`'s,
 * which also counts the reply on the root and puts people in the thread). This reads a thread's
 * replies, moves a user's thread read marker (`thread.read` to the user's other devices), and lists
 * the threads a user started, replied in or was mentioned in, with their unread replies.
 */
@Injectable()
export class ThreadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly urls: MediaUrls,
    private readonly eventLog: EventLog,
  ) {}

  /** The thread a message is in (its own, or its root's), replies ascending by seq after `after`. */
  async thread(user: AuthUser, conversationId: string, messageId: string, query: ThreadQuery): Promise<ThreadPage> {
    await this.access.require(user, Permission.ConversationRead, { conversationId });
    const rootId = await this.messages.threadRootOf(conversationId, messageId);
    if (!rootId) throw new NotFound('Message');
    const { rows, hasMore } = await this.messages.pageThread(rootId, query.after ?? 0, query.limit ?? DEFAULT_PAGE_SIZE);
    const [root, ...items] = await this.views.hydrate([...(await this.messages.byIds([rootId])), ...rows]);
    return { root: messageForViewer(root, user.id, this.urls), items: items.map((message) => messageForViewer(message, user.id, this.urls)), hasMore };
  }

  /**
   * Forward only; a seq beyond the conversation's newest counts as the newest. For someone not in the
   * thread (never started, replied in or was mentioned in it) there is no marker to move: nothing changes.
   */
  async markRead(user: AuthUser, conversationId: string, messageId: string, seq: number): Promise<void> {
    const moved = await this.dataSource.transaction(async (manager) => {
      const grant = await this.access.require(user, Permission.ThreadMarkersMove, { conversationId, messageId }, { manager });
      if (!Number.isSafeInteger(seq) || seq < 0) throw new ValidationFailed([{ field: 'seq', message: 'seq must be a whole number, 0 or more' }]);
      const rootId = await this.messages.threadRootOf(conversationId, messageId, manager);
      const marker = await this.messages.moveThreadMarker(manager, rootId!, user.id, Math.min(seq, grant.lastSeq));
      if (marker === undefined) return false;
      await this.eventLog.append(manager, { type: 'thread.read', userId: user.id, data: { conversationId, rootId, seq: marker } });
      return true;
    });
    if (moved) this.eventLog.kick();
  }

  /** The caller's threads, the most recently active first; in one conversation with `conversationId`. */
  async list(user: AuthUser, query: ThreadListQuery): Promise<Page<ThreadSummary>> {
    if (query.conversationId) await this.access.require(user, Permission.ConversationRead, { conversationId: query.conversationId });
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? decodeCursor(query.cursor, { lastReplyAt: 'timestamp', rootId: 'uuid' }) : undefined;
    const rows = await this.messages.threadsOf({ userId: user.id, conversationId: query.conversationId, before, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const roots = new Map((await this.views.byIds(page.map((row) => row.root_id))).map((root) => [root.id, root]));
    const unread = await this.messages.unreadReplies(page.map((row) => ({ rootId: row.root_id, userId: user.id, lastReadSeq: Number(row.last_read_seq) })));
    const last = page[page.length - 1];
    return {
      items: page.map((row) => {
        const root = roots.get(row.root_id)!;
        return {
          root: messageForViewer(root, user.id, this.urls),
          replyCount: root.replyCount,
          unreadReplies: unread.get(row.root_id) ?? 0,
          lastReplyAt: root.lastReplyAt,
        };
      }),
      nextCursor: rows.length > limit ? encodeCursor({ lastReplyAt: last.position_at, rootId: last.root_id }) : null,
    };
  }
}

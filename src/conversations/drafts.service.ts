import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageQuery } from '../common/pagination/page-query.dto.js';
import { EventLog } from '../events/event-log.service.js';
import { draftUpdated } from '../memberships/draft.entity.js';
import { DraftsRepository } from '../memberships/drafts.repository.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import type { DraftDto } from './dto/draft.dto.js';

/**
 * Drafts: one unsent text per member per conversation and per thread, shared by the member's devices
 * (`draft.updated` on the user's room, durable, in /sync). A send there clears it (`MessagesService`).
 * Saving the same text again changes and announces nothing.
 */
@Injectable()
export class DraftsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly drafts: DraftsRepository,
    private readonly messages: MessagesRepository,
    private readonly eventLog: EventLog,
  ) {}

  async save(user: AuthUser, conversationId: string, content: string, threadMessageId?: string): Promise<void> {
    const changed = await this.dataSource.transaction(async (manager) => {
      await this.access.require(user, Permission.OwnState, { conversationId }, { manager, lock: 'membership' });
      const threadRootId = await this.threadOf(manager, conversationId, threadMessageId);
      const saved = await this.drafts.save(manager, { userId: user.id, conversationId, threadRootId, content });
      if (!saved) return false;
      await this.eventLog.append(manager, draftUpdated(user.id, conversationId, threadRootId, { content: saved.content, updatedAt: saved.updated_at }));
      return true;
    });
    if (changed) this.eventLog.kick();
  }

  async remove(user: AuthUser, conversationId: string, threadMessageId?: string): Promise<void> {
    const changed = await this.dataSource.transaction(async (manager) => {
      await this.access.require(user, Permission.OwnState, { conversationId }, { manager, lock: 'membership' });
      const threadRootId = await this.threadOf(manager, conversationId, threadMessageId);
      if (!(await this.drafts.remove(manager, user.id, conversationId, threadRootId))) return false;
      await this.eventLog.append(manager, draftUpdated(user.id, conversationId, threadRootId, null));
      return true;
    });
    if (changed) this.eventLog.kick();
  }

  /** The caller's drafts in the conversations the caller is still in, the most recently changed first. */
  async list(user: AuthUser, query: PageQuery): Promise<Page<DraftDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? decodeCursor(query.cursor, { updatedAt: 'timestamp', conversationId: 'uuid', threadKey: 'uuid' }) : undefined;
    const rows = await this.drafts.page(user.id, before, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        conversationId: row.conversation_id,
        threadRootId: row.thread_root_id,
        content: row.content,
        updatedAt: new Date(row.updated_at).toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor({ updatedAt: last.position_at, conversationId: last.conversation_id, threadKey: last.thread_key }) : null,
    };
  }

  /**
   * The root of the thread a draft is for (a reply's id means its thread); 400 for a message of another
   * conversation. On the caller's transaction: the embedded database has one connection, which it holds.
   */
  private async threadOf(manager: EntityManager, conversationId: string, messageId: string | undefined): Promise<string | null> {
    if (!messageId) return null;
    const rootId = await this.messages.threadRootOf(conversationId, messageId, manager);
    if (!rootId) throw new ValidationFailed([{ field: 'threadRootId', message: 'threadRootId must be a message of this conversation' }]);
    return rootId;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFound } from '../common/errors/app.exception.js';
import type { MemberRole } from './conversation-member.entity.js';
import type { ConversationType } from './conversation.entity.js';

/** What a member may know of a conversation before touching it, read in the same query as the membership. */
export interface ConversationAccess {
  conversationId: string;
  type: ConversationType;
  title: string | null;
  /** Direct conversations: the two user ids, sorted, joined by `:`. */
  directKey: string | null;
  lastSeq: number;
  role: MemberRole;
}

/**
 * Who belongs to which conversation. Every service method on a conversation starts here: one query
 * answers "is this user a member, with which role?", and a non-member gets the same 404 as for a
 * conversation that does not exist. The realtime gateway uses it for rooms and for its own checks.
 */
@Injectable()
export class MembershipService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The conversation as its member `userId` sees it; 404 for anyone else. `lock` also takes the row lock. */
  async access(userId: string, conversationId: string, options: { manager?: EntityManager; lock?: boolean } = {}): Promise<ConversationAccess> {
    const manager = options.manager ?? this.dataSource.manager;
    const rows: Array<{ type: ConversationType; title: string | null; direct_key: string | null; last_seq: string; role: MemberRole }> = await manager.query(
      `SELECT c.type, c.title, c.direct_key, c.last_seq, mb.role
         FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
        WHERE mb.conversation_id = $1 AND mb.user_id = $2
        ${options.lock ? 'FOR NO KEY UPDATE OF c' : ''}`,
      [conversationId, userId],
    );
    const row = rows[0];
    if (!row) throw new NotFound('Conversation');
    return { conversationId, type: row.type, title: row.title, directKey: row.direct_key, lastSeq: Number(row.last_seq), role: row.role };
  }

  /** 404 unless `userId` is a member. */
  async requireMember(userId: string, conversationId: string): Promise<{ role: MemberRole }> {
    const { role } = await this.access(userId, conversationId);
    return { role };
  }

  async conversationIdsOf(userId: string): Promise<string[]> {
    const rows: Array<{ conversation_id: string }> = await this.dataSource.query(
      `SELECT conversation_id FROM conversation_member WHERE user_id = $1`,
      [userId],
    );
    return rows.map((row) => row.conversation_id);
  }

  async memberIds(conversationId: string, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await manager.query(
      `SELECT user_id FROM conversation_member WHERE conversation_id = $1 ORDER BY joined_at, user_id`,
      [conversationId],
    );
    return rows.map((row) => row.user_id);
  }
}

/** The other member of a direct conversation. */
export function peerOf(access: Pick<ConversationAccess, 'directKey'>, userId: string): string | undefined {
  return access.directKey?.split(':').find((id) => id !== userId);
}

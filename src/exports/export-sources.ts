import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { select, selectOne } from '../database/sql.js';

/** Rows read per query while an archive is written: memory stays bounded whatever the account holds. */
export const EXPORT_PAGE_SIZE = 500;

/**
 * Read-only queries over other features' tables for a user's data export (no writes: each table keeps
 * its one owning repository). Every list is keyset-paginated (`after` = the last key of the page before).
 */
@Injectable()
export class ExportSources {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  profile(userId: string): Promise<Record<string, unknown> | undefined> {
    return selectOne(
      this.dataSource.manager,
      `SELECT id, email, username, display_name AS "displayName", status_text AS "statusText", metadata, role,
              is_bot AS "isBot", avatar_media_id AS "avatarMediaId", last_seen_at AS "lastSeenAt", created_at AS "createdAt", updated_at AS "updatedAt"
         FROM users WHERE id = $1`,
      [userId],
    );
  }

  conversations(userId: string, after: string): Promise<Array<Record<string, unknown> & { id: string }>> {
    return select(
      this.dataSource.manager,
      `SELECT c.id, c.type, c.title, m.role, m.joined_at AS "joinedAt"
         FROM conversation_member m JOIN conversation c ON c.id = m.conversation_id
        WHERE m.user_id = $1 AND m.conversation_id > $2 ORDER BY m.conversation_id LIMIT $3`,
      [userId, after, EXPORT_PAGE_SIZE],
    );
  }

  messages(userId: string, after: string): Promise<Array<Record<string, unknown> & { id: string }>> {
    return select(
      this.dataSource.manager,
      `SELECT id, conversation_id AS "conversationId", seq::text AS seq, content, reply_to_id AS "replyToId", thread_root_id AS "threadRootId",
              created_at AS "createdAt", edited_at AS "editedAt", deleted_at AS "deletedAt",
              ARRAY(SELECT a.media_id FROM message_attachment a WHERE a.message_id = message.id ORDER BY a.position) AS "attachmentIds"
         FROM message WHERE sender_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [userId, after, EXPORT_PAGE_SIZE],
    );
  }

  reactions(userId: string, after: { messageId: string; emoji: string }): Promise<Array<{ messageId: string; emoji: string; createdAt: Date }>> {
    return select(
      this.dataSource.manager,
      `SELECT message_id AS "messageId", emoji, created_at AS "createdAt" FROM message_reaction
        WHERE user_id = $1 AND (message_id, emoji) > ($2::uuid, $3) ORDER BY message_id, emoji LIMIT $4`,
      [userId, after.messageId, after.emoji, EXPORT_PAGE_SIZE],
    );
  }

  uploads(userId: string, after: string): Promise<Array<{ id: string; mimeType: string; size: number; createdAt: Date }>> {
    return select(
      this.dataSource.manager,
      `SELECT id, mime_type AS "mimeType", size, created_at AS "createdAt" FROM media WHERE uploader_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [userId, after, EXPORT_PAGE_SIZE],
    );
  }
}

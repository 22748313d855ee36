import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MAX_CONVERSATION_ROOMS } from './rooms.js';

/** Which conversation rooms a socket belongs in. */
@Injectable()
export class RoomMemberships {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The user's conversations, the most recently active first, at most `MAX_CONVERSATION_ROOMS`. */
  async roomConversationIds(userId: string): Promise<string[]> {
    const rows: Array<{ conversation_id: string }> = await this.dataSource.query(
      `SELECT mb.conversation_id
         FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
        WHERE mb.user_id = $1
        ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id
        LIMIT $2`,
      [userId, MAX_CONVERSATION_ROOMS],
    );
    return rows.map((row) => row.conversation_id);
  }
}

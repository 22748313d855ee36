import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select } from '../database/sql.js';
import type { Device, DevicePlatform } from './device.entity.js';

interface RawDevice {
  id: string;
  user_id: string;
  platform: DevicePlatform;
  token: string;
  app_id: string | null;
  created_at: Date;
}

const toDevice = (raw: RawDevice): Device =>
  ({ id: raw.id, userId: raw.user_id, platform: raw.platform, token: raw.token, appId: raw.app_id, createdAt: new Date(raw.created_at) }) as Device;

/** Who of a conversation a message may be pushed to, with what to show (read by `PushService`). */
export interface PushRecipient {
  userId: string;
  /** Unread messages from others in all of the user's conversations, for the app icon. */
  badge: number;
}

/** The one repository of `device`. */
@Injectable()
export class DevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** A token registered again (by anyone) moves to this user and platform: a token is one device's. */
  async register(userId: string, device: { platform: DevicePlatform; token: string; appId: string | null }): Promise<Device> {
    const [raw] = await select<RawDevice>(
      this.manager,
      `INSERT INTO device (user_id, platform, token, app_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token) DO UPDATE SET user_id = excluded.user_id, platform = excluded.platform, app_id = excluded.app_id, updated_at = now()
       RETURNING id, user_id, platform, token, app_id, created_at`,
      [userId, device.platform, device.token, device.appId],
    );
    return toDevice(raw);
  }

  async listForUser(userId: string): Promise<Device[]> {
    const rows = await select<RawDevice>(
      this.manager,
      `SELECT id, user_id, platform, token, app_id, created_at FROM device WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toDevice);
  }

  /** False when it is not one of the user's devices (or does not exist). */
  async removeOwn(userId: string, id: string): Promise<boolean> {
    return (await change(this.manager, `DELETE FROM device WHERE id = $1 AND user_id = $2`, [id, userId])).count > 0;
  }

  async removeTokens(userId: string, tokens: string[]): Promise<number> {
    if (!tokens.length) return 0;
    return (await change(this.manager, `DELETE FROM device WHERE user_id = $1 AND token = ANY($2::text[])`, [userId, tokens])).count;
  }

  /**
   * The members of the conversation, other than the sender, who have a device and whose notification
   * settings let this message through: not muted (a `mutedUntil` in the past has ended), level `all`, or
   * `mentions` when the message mentions them. Reads `conversation_member` and `message` (owned by
   * memberships and messages) in one statement, as the push needs them together.
   */
  async recipients(conversationId: string, senderId: string, mentioned: string[]): Promise<PushRecipient[]> {
    const rows = await select<{ user_id: string; badge: string }>(
      this.manager,
      `SELECT cm.user_id,
              (SELECT count(*) FROM conversation_member mine JOIN message m
                 ON m.conversation_id = mine.conversation_id AND m.seq > mine.last_read_seq AND m.sender_id <> mine.user_id AND m.deleted_at IS NULL
                WHERE mine.user_id = cm.user_id) AS badge
         FROM conversation_member cm
        WHERE cm.conversation_id = $1 AND cm.user_id <> $2
          AND NOT (cm.muted AND (cm.muted_until IS NULL OR cm.muted_until > now()))
          AND (cm.notification_level = 'all' OR (cm.notification_level = 'mentions' AND cm.user_id = ANY($3::uuid[])))
          AND EXISTS (SELECT 1 FROM device d WHERE d.user_id = cm.user_id)`,
      [conversationId, senderId, mentioned],
    );
    return rows.map((row) => ({ userId: row.user_id, badge: Number(row.badge) }));
  }
}

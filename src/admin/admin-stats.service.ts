import { Injectable } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ConversationsRepository } from '../memberships/conversations.repository.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceReader } from '../users/presence-reader.js';
import { UsersRepository } from '../users/users.repository.js';
import type { AdminStatsDto } from './dto/admin-stats.dto.js';

/** The numbers on the admin dashboard: one small method per figure, gathered at once by `stats`. */
@Injectable()
export class AdminStatsService {
  constructor(
    private readonly access: AccessService,
    private readonly users: UsersRepository,
    private readonly presence: PresenceReader,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async stats(caller: AuthUser): Promise<AdminStatsDto> {
    await this.access.require(caller, Permission.AdminStats, {});
    const [users, conversations, messages, onlineUsers] = await Promise.all([
      this.userCount(),
      this.conversations.count(),
      this.messages.count(),
      this.onlineUserCount(),
    ]);
    return { users, conversations, messages, onlineUsers };
  }

  private userCount(): Promise<number> {
    return this.users.count();
  }

  private onlineUserCount(): Promise<number> {
    return this.presence.onlineUserCount();
  }
}

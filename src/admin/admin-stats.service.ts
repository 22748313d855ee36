import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConversationsRepository } from '../conversations/conversations.repository.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceReader } from '../users/presence-reader.js';
import { User } from '../users/user.entity.js';
import type { AdminStatsDto } from './dto/admin-stats.dto.js';

/** The numbers on the admin dashboard: one small method per figure, gathered at once by `stats`. */
@Injectable()
export class AdminStatsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly presence: PresenceReader,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async stats(): Promise<AdminStatsDto> {
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

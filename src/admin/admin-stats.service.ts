import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PresenceReader } from '../users/presence-reader.js';
import { User } from '../users/user.entity.js';
import type { AdminStatsDto } from './dto/admin-stats.dto.js';

/** The numbers on the admin dashboard: one small method per figure, gathered at once by `stats`. */
@Injectable()
export class AdminStatsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly presence: PresenceReader,
  ) {}

  async stats(): Promise<AdminStatsDto> {
    const [users, onlineUsers] = await Promise.all([this.userCount(), this.onlineUserCount()]);
    return { users, onlineUsers };
  }

  private userCount(): Promise<number> {
    return this.users.count();
  }

  private onlineUserCount(): Promise<number> {
    return this.presence.onlineUserCount();
  }
}

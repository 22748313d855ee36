import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import type { ProfileDto } from '../users/dto/profile.dto.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';

/** Where bots' (unused, unique) email addresses live: `.invalid` can never be anyone's mailbox. */
const BOT_EMAIL_DOMAIN = 'bots.invalid';

/**
 * Bot accounts: users with `isBot`, created by admins (audited). A bot has no password anyone knows (the
 * hash of 32 random bytes nobody keeps) and sign-in refuses bots anyway: it acts only through API keys an
 * admin mints for it (`POST /api-keys` with `botId`). Otherwise it is a user: it joins conversations,
 * sends, and is blocked, muted and removed like anyone.
 */
@Injectable()
export class BotsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly profiles: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: { username: string; displayName: string }): Promise<{ user: ProfileDto }> {
    await this.access.require(actor, Permission.AdminBots, {});
    const passwordHash = await this.hasher.hash(randomBytes(32).toString('base64url'));
    // A taken username fails the insert on its unique index: 409.
    const bot = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.insert(manager, {
        email: `${dto.username}@${BOT_EMAIL_DOMAIN}`,
        username: dto.username,
        displayName: dto.displayName,
        passwordHash,
        isBot: true,
      });
      await this.audit.record(manager, actor, {
        type: 'bot.created',
        targetType: 'user',
        targetId: user.id,
        before: null,
        after: { username: user.username, displayName: user.displayName },
      });
      return user;
    });
    return { user: await this.profiles.profile(bot.id) };
  }
}

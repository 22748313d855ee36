import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SessionsService } from '../auth/sessions.service.js';
import type { RevocationReason } from '../auth/session-revoked.event.js';
import type { RevokedSession } from '../auth/session.repository.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { UsersRepository } from '../users/users.repository.js';
import { cursorAfter, pageOf } from '../users/users.service.js';
import { toAdminUser } from './admin.mappers.js';
import type { AdminUserSearchQuery } from './dto/admin-user-search.query.js';
import type { AdminUserDto } from './dto/admin-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';

/** Managing other people's accounts: finding them, changing their role, banning them. */
@Injectable()
export class AdminUsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly access: AccessService,
  ) {}

  async search(caller: AuthUser, query: AdminUserSearchQuery): Promise<Page<AdminUserDto>> {
    await this.access.require(caller, Permission.AdminUsers, {});
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const users = await this.users.search({
      prefix: query.search,
      includeEmail: true,
      includeBanned: true,
      after: cursorAfter(query.cursor),
      limit: limit + 1,
    });
    return pageOf(users, limit, toAdminUser);
  }

  /**
   * Banning revokes every session of the user; so does demoting an admin, whose access tokens would
   * otherwise keep saying "admin" until they expire. A promotion takes effect at the next refresh.
   */
  async update(caller: AuthUser, userId: string, dto: UpdateUserDto): Promise<AdminUserDto> {
    await this.access.require(caller, Permission.AdminUsers, {});
    if (userId === caller.id && (dto.banned || dto.role === 'user')) {
      throw new ValidationFailed([{ field: dto.banned ? 'banned' : 'role', message: 'you cannot ban or demote yourself' }]);
    }
    let revoked: RevokedSession[] = [];
    let reason: RevocationReason = 'banned';
    const user = await this.dataSource.transaction(async (manager) => {
      // Locks the row: a sign-in running now either finishes first (and its session is revoked
      // below) or waits and sees the ban.
      const found = await this.users.lockForUpdate(manager, userId);
      if (!found) throw new NotFound('User');
      const banning = dto.banned === true && !found.banned;
      const demoting = dto.role === 'user' && found.role === 'admin';
      await this.users.setRoleAndBan(manager, userId, {
        ...(dto.banned !== undefined ? { banned: dto.banned } : {}),
        ...(dto.role !== undefined ? { role: dto.role } : {}),
      });
      const saved = { ...found, banned: dto.banned ?? found.banned, role: dto.role ?? found.role };
      if (banning || demoting) {
        reason = banning ? 'banned' : 'role_changed';
        revoked = await this.sessions.revokeAllWithin(manager, userId, reason);
      }
      return saved;
    });
    await this.sessions.announce(revoked, reason);
    return toAdminUser(user);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SessionsService } from '../auth/sessions.service.js';
import type { RevocationReason } from '../auth/session-revoked.event.js';
import type { RevokedSession } from '../auth/session.repository.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { Conflict, NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { User } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { cursorAfter, pageOf } from '../users/users.service.js';
import { toAdminUser } from './admin.mappers.js';
import type { AdminUserSearchQuery } from './dto/admin-user-search.query.js';
import type { AdminUserDto } from './dto/admin-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';

/** A user's account after an admin's change, with the sessions the change revoked (to announce after commit). */
export interface UserChange {
  user: User;
  revoked: RevokedSession[];
  reason: RevocationReason;
}

/** Managing other people's accounts: finding them, changing their role, banning them (audited). */
@Injectable()
export class AdminUsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
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
  async update(actor: Actor, userId: string, dto: UpdateUserDto): Promise<AdminUserDto> {
    await this.access.require(actor, Permission.AdminUsers, {});
    const change = await this.dataSource.transaction((manager) => this.updateWithin(manager, actor, userId, dto));
    await this.announce(change);
    return toAdminUser(change.user);
  }

  /**
   * The change and its audit rows (one per thing that changed) in the caller's transaction (report
   * resolution bans through here); after commit, the caller passes the answer to `announce`.
   */
  async updateWithin(manager: EntityManager, actor: Actor, userId: string, dto: UpdateUserDto): Promise<UserChange> {
    await this.access.require(actor, Permission.AdminUsers, {}, { manager });
    if (userId === actor.id && (dto.banned || dto.role === 'user')) {
      throw new ValidationFailed([{ field: dto.banned ? 'banned' : 'role', message: 'you cannot ban or demote yourself' }]);
    }
    // Locks the row: a sign-in running now either finishes first (and its session is revoked
    // below) or waits and sees the ban.
    const found = await this.users.lockForUpdate(manager, userId);
    if (!found) throw new NotFound('User');
    // A deleted account stays banned: unbanning or promoting it would bring back an erased profile.
    if (found.deletedAt && (dto.banned === false || dto.role !== undefined)) throw new Conflict('This account was deleted');
    const banning = dto.banned === true && !found.banned;
    const demoting = dto.role === 'user' && found.role === 'admin';
    await this.users.setRoleAndBan(manager, userId, {
      ...(dto.banned !== undefined ? { banned: dto.banned } : {}),
      ...(dto.role !== undefined ? { role: dto.role } : {}),
    });
    const user = { ...found, banned: dto.banned ?? found.banned, role: dto.role ?? found.role };
    if (user.banned !== found.banned) {
      await this.audit.record(manager, actor, {
        type: user.banned ? 'user.banned' : 'user.unbanned',
        targetType: 'user',
        targetId: userId,
        before: { banned: found.banned },
        after: { banned: user.banned },
      });
    }
    if (user.role !== found.role) {
      await this.audit.record(manager, actor, {
        type: 'user.role_changed',
        targetType: 'user',
        targetId: userId,
        before: { role: found.role },
        after: { role: user.role },
      });
    }
    if (!banning && !demoting) return { user, revoked: [], reason: 'banned' };
    const reason: RevocationReason = banning ? 'banned' : 'role_changed';
    return { user, revoked: await this.sessions.revokeAllWithin(manager, userId, reason), reason };
  }

  /** After commit: the revoked sessions' sockets are told and disconnected. */
  announce(change: UserChange): Promise<void> {
    return this.sessions.announce(change.revoked, change.reason);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import type { MeDto } from './dto/me.dto.js';
import type { ProfileDto } from './dto/profile.dto.js';
import type { SearchUsersQuery } from './dto/search-users.query.js';
import type { UpdateMeDto } from './dto/update-me.dto.js';
import { PresenceReader } from './presence-reader.js';
import { User } from './user.entity.js';
import { toMe, toProfile } from './user.mappers.js';
import { mergeMetadata } from '../common/metadata/metadata.js';
import { EventLog } from '../events/event-log.service.js';
import { type ProfileChanges, UsersRepository } from './users.repository.js';
import { MediaUrls } from '../media/media-urls.js';

/** Reads a `nextCursor` made by `pageOf`. */
export function cursorAfter(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : decodeCursor(cursor, { username: 'text' }).username;
}

/** One page of users ordered by username, fetched with one extra row to know whether more follow. */
export function pageOf<T>(users: User[], limit: number, map: (user: User) => T | Promise<T>): Promise<Page<T>> {
  const items = users.slice(0, limit);
  const nextCursor = users.length > limit ? encodeCursor({ username: items[items.length - 1].username }) : null;
  return Promise.all(items.map(map)).then((mapped) => ({ items: mapped, nextCursor }));
}

/** Profiles: the caller's own account, other users' public profiles, and finding people by name. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceReader,
    private readonly access: AccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly urls: MediaUrls,
    private readonly eventLog: EventLog,
  ) {}

  async me(caller: AuthUser): Promise<MeDto> {
    return toMe((await this.users.findWithAvatar(caller.id))!, this.urls);
  }

  /** The avatar must be an image the caller uploaded; it is checked and set in one transaction. */
  async updateMe(caller: AuthUser, dto: UpdateMeDto): Promise<MeDto> {
    const changes: ProfileChanges = {};
    if (dto.displayName !== undefined) changes.displayName = dto.displayName;
    if (dto.statusText !== undefined) changes.statusText = dto.statusText || null;
    if (dto.avatarMediaId !== undefined) changes.avatarMediaId = dto.avatarMediaId;
    if (Object.keys(changes).length) {
      await this.dataSource.transaction(async (manager) => {
        if (dto.avatarMediaId) await this.access.require(caller, Permission.AvatarSet, { mediaId: dto.avatarMediaId }, { manager });
        await this.users.updateProfile(manager, caller.id, changes);
      });
    }
    return this.me(caller);
  }

  /** Merges keys into the caller's metadata (null deletes one); the caller's devices get `metadata.updated`. */
  async updateMetadata(caller: AuthUser, patch: unknown): Promise<Record<string, unknown>> {
    const metadata = await this.dataSource.transaction(async (manager) => {
      const current = await this.users.lockMetadata(manager, caller.id);
      const merged = mergeMetadata(current, patch);
      if (JSON.stringify(merged) === JSON.stringify(current)) return current;
      await this.users.setMetadata(manager, caller.id, merged);
      await this.eventLog.append(manager, {
        type: 'metadata.updated',
        userId: caller.id,
        data: { target: 'user', id: caller.id, conversationId: null, metadata: merged },
      });
      return merged;
    });
    this.eventLog.kick();
    return metadata;
  }

  /** Banned users have no public profile. */
  async profile(userId: string): Promise<ProfileDto> {
    const user = await this.users.findWithAvatar(userId, undefined, { activeOnly: true });
    if (!user) throw new NotFound('User');
    return this.toProfile(user);
  }

  async search(query: SearchUsersQuery): Promise<Page<ProfileDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const users = await this.users.search({ prefix: query.search, after: cursorAfter(query.cursor), limit: limit + 1 });
    return pageOf(users, limit, (user) => this.toProfile(user));
  }

  /** Profiles by id, for the members of a conversation. */
  async profilesOf(userIds: string[], manager?: EntityManager): Promise<Map<string, ProfileDto>> {
    const users = await this.users.findManyWithAvatars(userIds, manager);
    return new Map(await Promise.all(users.map(async (user) => [user.id, await this.toProfile(user)] as const)));
  }

  private async toProfile(user: User): Promise<ProfileDto> {
    return toProfile(user, await this.presence.isOnline(user.id), this.urls);
  }
}

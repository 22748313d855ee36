import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import type { Role } from '../common/auth/auth-user.js';
import { change, select, selectOne, selectPrepared, type StatementPart } from '../database/sql.js';
import { Media } from '../media/media.entity.js';
import { User } from './user.entity.js';

/** Every column of `users`, and of the avatar's `media` row prefixed `avatar_` (null without one), for each of the ids. */
const USERS_WITH_AVATARS_SQL = `SELECT u.id, u.email, u.username, u.display_name, u.status_text, u.metadata, u.avatar_media_id, u.password_hash,
         u.role, u.banned, u.is_bot, u.deleted_at, u.last_seen_at, u.created_at, u.updated_at,
         a.uploader_id AS avatar_uploader_id, a.mime_type AS avatar_mime_type, a.size AS avatar_size, a.sha256 AS avatar_sha256,
         a.width AS avatar_width, a.height AS avatar_height, a.has_thumbnail AS avatar_has_thumbnail, a.created_at AS avatar_created_at
    FROM users u LEFT JOIN media a ON a.id = u.avatar_media_id
   WHERE u.id = ANY($1::uuid[]) AND NOT ($2::boolean AND u.banned)`;

interface UserWithAvatarRow {
  id: string;
  email: string;
  username: string;
  display_name: string;
  status_text: string | null;
  metadata: Record<string, unknown>;
  avatar_media_id: string | null;
  password_hash: string;
  role: Role;
  banned: boolean;
  is_bot: boolean;
  deleted_at: Date | null;
  last_seen_at: Date | null;
  created_at: Date;
  updated_at: Date;
  avatar_uploader_id: string | null;
  avatar_mime_type: string | null;
  avatar_size: string | null;
  avatar_sha256: string | null;
  avatar_width: number | null;
  avatar_height: number | null;
  avatar_has_thumbnail: boolean | null;
  avatar_created_at: Date | null;
}

/** The entity `findOne(User, { relations: { avatarMedia: true } })` answered, from the row (`avatarMedia` null without one). */
function toUserWithAvatar(row: UserWithAvatarRow): User {
  const user = Object.assign(new User(), {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.display_name,
    statusText: row.status_text,
    metadata: row.metadata,
    avatarMediaId: row.avatar_media_id,
    passwordHash: row.password_hash,
    role: row.role,
    banned: row.banned,
    isBot: row.is_bot,
    deletedAt: row.deleted_at,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  user.avatarMedia =
    row.avatar_media_id === null || row.avatar_uploader_id === null
      ? null
      : Object.assign(new Media(), {
          id: row.avatar_media_id,
          uploaderId: row.avatar_uploader_id,
          mimeType: row.avatar_mime_type!,
          size: Number(row.avatar_size),
          sha256: row.avatar_sha256!,
          width: row.avatar_width,
          height: row.avatar_height,
          hasThumbnail: row.avatar_has_thumbnail!,
          createdAt: row.avatar_created_at!,
        });
  return user;
}

/** `LIKE` treats `%`, `_` and `\` specially; a search for `a_b` means those three characters. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export interface UserSearch {
  /** A prefix of the username or display name (or, with `includeEmail`, the email), any case. */
  prefix?: string;
  includeEmail?: boolean;
  includeBanned?: boolean;
  /** The username the previous page ended at. */
  after?: string;
  limit: number;
}

export interface NewUser {
  email: string;
  username: string;
  displayName: string;
  passwordHash: string;
  role?: Role;
  isBot?: boolean;
}

export type ProfileChanges = Partial<Pick<User, 'displayName' | 'statusText' | 'avatarMediaId'>>;

/**
 * The one repository of `users`: every write to the table is a method here (sign-up, profile, password,
 * role and ban, presence's last-seen), and other modules read users through it. Methods taking a manager
 * join the caller's transaction.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Uses `user_email_lower_uq`. With the avatar, for the `Me` of a sign-in. */
  findByEmail(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .leftJoinAndSelect('user.avatarMedia', 'avatarMedia')
      .where('lower(user.email) = lower(:email)', { email })
      .getOne();
  }

  /**
   * The user and their avatar in one prepared statement: `/users/me`, a profile and every refresh read
   * it. TypeORM's `findOne` with the relation was two thirds of `/users/me`'s CPU (534 µs a request with
   * it, 166 µs with this; `npm run bench:ab`). `activeOnly`: not when banned.
   */
  async findWithAvatar(id: string, manager: EntityManager = this.users.manager, options: { activeOnly?: boolean } = {}): Promise<User | null> {
    const [row] = await selectPrepared<UserWithAvatarRow>(manager, 'users_with_avatars', USERS_WITH_AVATARS_SQL, [[id], options.activeOnly ?? false]);
    return row ? toUserWithAvatar(row) : null;
  }

  /** In `manager`'s transaction when given (a caller holding one must not wait for a second connection). */
  async findManyWithAvatars(ids: string[], manager: EntityManager = this.users.manager): Promise<User[]> {
    if (!ids.length) return [];
    return (await selectPrepared<UserWithAvatarRow>(manager, 'users_with_avatars', USERS_WITH_AVATARS_SQL, [ids, false])).map(toUserWithAvatar);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async exists(id: string): Promise<boolean> {
    return this.users.existsBy({ id });
  }

  /** Of these ids, those that are users who can take part (not banned). */
  async activeIds(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await select<{ id: string }>(this.users.manager, `SELECT id FROM users WHERE id = ANY($1::uuid[]) AND NOT banned`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  /** The active (not banned) users with these usernames, by username. */
  async activeIdsByUsername(usernames: string[], manager: EntityManager = this.users.manager): Promise<Map<string, string>> {
    if (!usernames.length) return new Map();
    const rows = await select<{ id: string; username: string }>(manager, `SELECT id, username FROM users WHERE username = ANY($1::text[]) AND NOT banned`, [
      usernames,
    ]);
    return new Map(rows.map((row) => [row.username, row.id]));
  }

  /**
   * Ordered by username (unique), so the page boundary is a username. Each prefix condition has a
   * `text_pattern_ops` index (`user_*_prefix_idx`).
   */
  search({ prefix, includeEmail = false, includeBanned = false, after, limit }: UserSearch): Promise<User[]> {
    const query = this.users.createQueryBuilder('user').leftJoinAndSelect('user.avatarMedia', 'avatarMedia').orderBy('user.username', 'ASC').limit(limit);
    if (prefix) {
      const pattern = `${escapeLike(prefix.toLowerCase())}%`;
      const conditions = ['user.username LIKE :pattern', 'lower(user.displayName) LIKE :pattern'];
      if (includeEmail) conditions.push('lower(user.email) LIKE :pattern');
      query.andWhere(`(${conditions.join(' OR ')})`, { pattern });
    }
    if (!includeBanned) query.andWhere('user.banned = false');
    if (after !== undefined) query.andWhere('user.username > :after', { after });
    return query.getMany();
  }

  async insert(manager: EntityManager, user: NewUser): Promise<User> {
    return manager.save(
      manager.create(User, { ...user, statusText: null, avatarMediaId: null, lastSeenAt: null, role: user.role ?? 'user', isBot: user.isBot ?? false }),
    );
  }

  async updateProfile(manager: EntityManager, id: string, changes: ProfileChanges): Promise<void> {
    await manager.update(User, { id }, changes);
  }

  /** The user's metadata, row-locked until the transaction ends (a read-merge-write in turn). */
  async lockMetadata(manager: EntityManager, id: string): Promise<Record<string, unknown>> {
    const row = await selectOne<{ metadata: Record<string, unknown> }>(manager, `SELECT metadata FROM users WHERE id = $1 FOR NO KEY UPDATE`, [id]);
    return row?.metadata ?? {};
  }

  async setMetadata(manager: EntityManager, id: string, metadata: Record<string, unknown>): Promise<void> {
    await change(manager, `UPDATE users SET metadata = $2::jsonb, updated_at = now() WHERE id = $1`, [id, JSON.stringify(metadata)]);
  }

  async setPasswordHash(id: string, passwordHash: string, manager: EntityManager = this.users.manager): Promise<void> {
    await manager.update(User, { id }, { passwordHash });
  }

  /** Stamps each user's `last_seen_at` in one statement (a user listed twice gets the later time). */
  async setLastSeenMany(entries: Array<{ id: string; at: Date }>): Promise<void> {
    if (!entries.length) return;
    await change(
      this.users.manager,
      `UPDATE users u SET last_seen_at = v.at
         FROM (SELECT id, max(at) AS at FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, at) GROUP BY id) v
        WHERE u.id = v.id`,
      [entries.map((entry) => entry.id), entries.map((entry) => entry.at.toISOString())],
    );
  }

  /** Each user's `last_seen_at`, in the order of `ids` (null for one never seen, or gone). */
  async lastSeenOfMany(ids: string[]): Promise<Array<Date | null>> {
    if (!ids.length) return [];
    const rows = await select<{ id: string; last_seen_at: Date | null }>(this.users.manager, `SELECT id, last_seen_at FROM users WHERE id = ANY($1::uuid[])`, [
      [...new Set(ids)],
    ]);
    const byId = new Map(rows.map((row) => [row.id, row.last_seen_at]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Row-locked for an admin's change: a sign-in running now either finishes first or waits and sees it. */
  lockForUpdate(manager: EntityManager, id: string): Promise<User | null> {
    return manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async setRoleAndBan(manager: EntityManager, id: string, changes: { role?: Role; banned?: boolean }): Promise<void> {
    if (Object.keys(changes).length) await manager.update(User, { id }, changes);
  }

  /** Share-locks the user row; a ban running now either waits for the caller's transaction or is seen by it. */
  /** The account row, locked for the transaction: account deletion decides on it. */
  lockForDeletion(manager: EntityManager, id: string): Promise<{ id: string; email: string; password_hash: string; deleted_at: Date | null } | undefined> {
    return selectOne(manager, 'SELECT id, email, password_hash, deleted_at FROM users WHERE id = $1 FOR UPDATE', [id]);
  }

  /**
   * Account deletion, at once: banned (no sign-in, no refresh, no new direct conversation), the profile
   * erased — email, display name ("Deleted user"), status, avatar, metadata — and a password no one
   * knows. The username stays until `freeUsername`.
   */
  async eraseProfile(manager: EntityManager, id: string, unusablePasswordHash: string): Promise<void> {
    await change(
      manager,
      `UPDATE users SET deleted_at = now(), banned = true, email = 'deleted+' || id || '@deleted.invalid', display_name = 'Deleted user',
              status_text = NULL, avatar_media_id = NULL, metadata = '{}', password_hash = $2
        WHERE id = $1 AND deleted_at IS NULL`,
      [id, unusablePasswordHash],
    );
  }

  /** A deleted account's username becomes `deleted_<24 hex>`, so the old one can be taken again. Idempotent. */
  async freeUsername(manager: EntityManager, id: string): Promise<void> {
    await change(manager, `UPDATE users SET username = 'deleted_' || substr(md5(id::text), 1, 24) WHERE id = $1 AND deleted_at IS NOT NULL`, [id]);
  }

  roleByEmail(manager: EntityManager, email: string): Promise<{ id: string; role: Role } | undefined> {
    return selectOne(manager, 'SELECT id, role FROM users WHERE lower(email) = $1', [email]);
  }

  async usernameTaken(manager: EntityManager, username: string): Promise<boolean> {
    return (await select(manager, 'SELECT 1 FROM users WHERE username = $1', [username])).length > 0;
  }

  async promote(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE users SET role = 'admin', updated_at = now() WHERE id = $1`, [id]);
  }

  /** Every admin who is not banned (those told about server-side trouble, e.g. `webhook.disabled`). */
  async adminIds(manager: EntityManager = this.users.manager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM users WHERE role = 'admin' AND NOT banned`);
    return rows.map((row) => row.id);
  }

  count(): Promise<number> {
    return this.users.count();
  }
}

/**
 * `lockBanned` as a part of a larger statement: the CTE `account` is the user's row (`banned`),
 * share-locked — a ban running now waits for the statement's transaction, or committed before it.
 */
export function lockBannedPart(id: string): StatementPart {
  return { ctes: [['account', 'SELECT banned FROM users WHERE id = $1 FOR SHARE']], parameters: [id] };
}

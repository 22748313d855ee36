import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from './user.entity.js';

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

/** Queries on users that deserve a name. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Uses `user_email_lower_uq`. With the avatar, for the `Me` of a sign-in. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.createQueryBuilder('user').leftJoinAndSelect('user.avatarMedia', 'avatarMedia').where('lower(user.email) = lower(:email)', { email }).getOne();
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
}

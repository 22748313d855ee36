import { toMediaDto } from '../media/media.mappers.js';
import type { MeDto } from './dto/me.dto.js';
import type { PresenceDto, ProfileDto } from './dto/profile.dto.js';
import type { User } from './user.entity.js';

/** The avatar as `Media`; `user.avatarMedia` must have been loaded with the user. */
const avatarOf = (user: User) => (user.avatarMedia ? toMediaDto(user.avatarMedia) : null);

export function toMe(user: User): MeDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: avatarOf(user),
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    metadata: user.metadata ?? {},
  };
}

export function toProfile(user: User, online: boolean): ProfileDto {
  const presence: PresenceDto = { online, lastSeenAt: user.lastSeenAt?.toISOString() ?? null };
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: avatarOf(user),
    presence,
  };
}

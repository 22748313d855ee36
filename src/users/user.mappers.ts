import type { MeDto } from './dto/me.dto.js';
import type { PresenceDto, ProfileDto } from './dto/profile.dto.js';
import type { User } from './user.entity.js';

export function toMe(user: User): MeDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: null,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toProfile(user: User, online: boolean): ProfileDto {
  const presence: PresenceDto = { online, lastSeenAt: user.lastSeenAt?.toISOString() ?? null };
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: null,
    presence,
  };
}

import { toMediaDto } from '../media/media.mappers.js';
import type { MediaUrls } from '../media/media-urls.js';
import type { MeDto } from './dto/me.dto.js';
import type { PresenceDto, ProfileDto } from './dto/profile.dto.js';
import type { User } from './user.entity.js';

/** The avatar as `Media`, its URLs signed as an avatar's; `user.avatarMedia` must have been loaded with the user. */
const avatarOf = (user: User, urls: MediaUrls) => (user.avatarMedia ? urls.media(toMediaDto(user.avatarMedia), { kind: 'avatar' }) : null);

export function toMe(user: User, urls: MediaUrls): MeDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: avatarOf(user, urls),
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    metadata: user.metadata ?? {},
  };
}

export function toProfile(user: User, online: boolean, urls: MediaUrls): ProfileDto {
  const presence: PresenceDto = { online, lastSeenAt: user.lastSeenAt?.toISOString() ?? null };
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText,
    avatar: avatarOf(user, urls),
    isBot: user.isBot,
    presence,
  };
}

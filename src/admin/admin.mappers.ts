import type { User } from '../users/user.entity.js';
import type { AdminUserDto } from './dto/admin-user.dto.js';

export function toAdminUser(user: User): AdminUserDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    banned: user.banned,
    createdAt: user.createdAt.toISOString(),
    lastSeenAt: user.lastSeenAt?.toISOString() ?? null,
  };
}

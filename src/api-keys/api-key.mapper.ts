import type { ApiKey } from '../auth/api-key.entity.js';
import type { ApiKeyDto } from './dto/api-key.dto.js';

export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    prefix: key.prefix,
    userId: key.userId,
    botId: key.userId === key.createdById ? null : key.userId,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
  };
}

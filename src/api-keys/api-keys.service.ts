import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { SessionRevocation } from '../auth/session-revocation.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Conflict, NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { UsersRepository } from '../users/users.repository.js';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { newApiKeySecret, prefixOf } from '../auth/api-key-secrets.js';
import { toApiKeyDto } from './api-key.mapper.js';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import type { CreateApiKeyDto } from './dto/create-api-key.dto.js';

/**
 * API keys: minting (the secret shown once, its keyed hash kept), listing and revoking. A key acts as its
 * owner, or as the bot an admin minted it for (`admin.bots`, audited). Revoking stops the key at once:
 * REST looks the key up on every request, and the key's sockets are disconnected on every instance the
 * way a revoked session's are (the key's id is its session id).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeysRepository,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly revocation: SessionRevocation,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, dto: CreateApiKeyDto, now = new Date()): Promise<CreatedApiKeyDto> {
    if (dto.botId) await this.access.require(actor, Permission.AdminBots, {});
    const expiresAt = dto.expiresAt === undefined ? null : new Date(dto.expiresAt);
    if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new ValidationFailed([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    const secret = newApiKeySecret();
    const key = await this.dataSource.transaction(async (manager) => {
      // Locks the owner's row: two keys minted at once can't both slip under the cap.
      const owner = await this.users.lockForUpdate(manager, dto.botId ?? actor.id);
      if (!owner || (dto.botId && !owner.isBot)) throw new NotFound('Bot');
      if (dto.scopes.includes('admin') && owner.role !== 'admin') {
        throw new ValidationFailed([{ field: 'scopes', message: 'admin is only for keys of admins' }]);
      }
      const cap = this.config.caps.apiKeysPerUser;
      if ((await this.keys.countUnrevoked(manager, owner.id)) >= cap) throw new Conflict(`An account can have at most ${cap} API keys: revoke one first`);
      const created = await this.keys.insert(manager, {
        userId: owner.id,
        createdById: actor.id,
        name: dto.name,
        scopes: dto.scopes,
        secretHash: this.authenticator.hash(secret),
        prefix: prefixOf(secret),
        expiresAt,
      });
      if (dto.botId) {
        await this.audit.record(manager, actor, {
          type: 'api_key.created',
          targetType: 'api_key',
          targetId: created.id,
          before: null,
          after: { botId: owner.id, name: created.name, scopes: created.scopes, expiresAt: expiresAt?.toISOString() ?? null },
        });
      }
      return created;
    });
    return { ...toApiKeyDto(key), key: secret };
  }

  async list(caller: AuthUser): Promise<ApiKeyDto[]> {
    return (await this.keys.listFor(caller.id)).map(toApiKeyDto);
  }

  /** The owner, the admin who minted it, or any admin for a bot's key; anyone else gets 404. */
  async revoke(actor: Actor, id: string, now = new Date()): Promise<void> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const key = await this.keys.lockUnrevoked(manager, id);
      if (!key) throw new NotFound('API key');
      const botKey = key.userId !== key.createdById;
      const own = key.userId === actor.id || key.createdById === actor.id;
      if (!own && !(botKey && (await this.access.check(actor, Permission.AdminBots, {}, { manager })))) throw new NotFound('API key');
      await this.keys.revoke(manager, key.id, now);
      if (botKey) {
        await this.audit.record(manager, actor, {
          type: 'api_key.revoked',
          targetType: 'api_key',
          targetId: key.id,
          before: { revoked: false },
          after: { revoked: true },
        });
      }
      return key;
    });
    await this.revocation.announce([{ sessionId: revoked.id, userId: revoked.userId, reason: 'revoked' }]);
  }
}

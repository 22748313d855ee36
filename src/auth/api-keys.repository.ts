import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, Repository } from 'typeorm';
import type { Scope } from '../common/auth/scopes.js';
import { ApiKey } from './api-key.entity.js';

export interface NewApiKey {
  userId: string;
  createdById: string;
  name: string;
  scopes: Scope[];
  secretHash: string;
  prefix: string;
  expiresAt: Date | null;
}

/** A key as authentication needs it: the key and what its user is now. */
export interface KeyForAuth {
  key: ApiKey;
  role: 'user' | 'admin';
  banned: boolean;
}

/** The `api_key` table. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  insert(manager: EntityManager, key: NewApiKey): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, { ...key, lastUsedAt: null, revokedAt: null }));
  }

  /** Unrevoked keys acting as `userId` (expired ones count until revoked: the cap is on rows one must manage). */
  countUnrevoked(manager: EntityManager, userId: string): Promise<number> {
    return manager.count(ApiKey, { where: { userId, revokedAt: IsNull() } });
  }

  async unrevokedIdsOf(manager: EntityManager, userId: string): Promise<string[]> {
    return (await manager.find(ApiKey, { select: { id: true }, where: { userId, revokedAt: IsNull() } })).map((key) => key.id);
  }

  async findForAuth(secretHash: string): Promise<KeyForAuth | null> {
    const key = await this.keys.findOne({ where: { secretHash }, relations: { user: true } });
    if (!key?.user) return null;
    return { key, role: key.user.role, banned: key.user.banned };
  }

  /** Unrevoked keys that act as the caller or that the caller minted (for a bot), newest first. */
  listFor(callerId: string): Promise<ApiKey[]> {
    return this.keys.find({
      where: [
        { userId: callerId, revokedAt: IsNull() },
        { createdById: callerId, revokedAt: IsNull() },
      ],
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  lockUnrevoked(manager: EntityManager, id: string): Promise<ApiKey | null> {
    return manager.findOne(ApiKey, { where: { id, revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  }

  async revoke(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.update(ApiKey, { id }, { revokedAt: at });
  }

  /** `lastUsedAt`, unless it moved within the last minute (another instance may have just done it). */
  async touch(id: string, at: Date): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update(ApiKey)
      .set({ lastUsedAt: at })
      .where('id = :id', { id })
      .andWhere("(last_used_at IS NULL OR last_used_at < :at::timestamptz - interval '1 minute')", { at })
      .execute();
  }
}

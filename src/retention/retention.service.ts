import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AuditService } from '../audit/audit.service.js';
import { type Actor, SETTINGS_TARGET_ID } from '../audit/audit.types.js';
import type { RetentionPolicyDto, SetRetentionDto } from './dto/retention.dto.js';
import { GLOBAL_SCOPE, type RetentionPolicy } from './retention-policy.entity.js';
import { RetentionRepository } from './retention.repository.js';

/**
 * Owns the retention policies: the global one (admins) and a conversation's override (its owner and
 * admins; either member of a direct conversation). Each change writes its audit row in the same
 * transaction. The deleting is `RetentionSweep`'s.
 */
@Injectable()
export class RetentionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: RetentionRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async setGlobal(actor: Actor, { days }: SetRetentionDto): Promise<RetentionPolicyDto> {
    await this.access.require(actor, Permission.AdminRetention, {});
    return this.dataSource.transaction(async (manager) => {
      const before = await this.policies.findGlobal(manager);
      const stored = await this.policies.put(manager, { scope: GLOBAL_SCOPE, conversationId: null, days, updatedById: actor.id });
      if ((before?.days ?? null) !== days) await this.recordChange(manager, actor, 'settings', SETTINGS_TARGET_ID, before?.days ?? null, days);
      return { scope: 'global', conversationId: null, days, effectiveDays: days, updatedAt: stored.updatedAt.toISOString() };
    });
  }

  async setForConversation(actor: Actor, conversationId: string, { days }: SetRetentionDto): Promise<RetentionPolicyDto> {
    return this.dataSource.transaction(async (manager) => {
      await this.access.require(actor, Permission.ConversationRetention, { conversationId }, { manager });
      const before = await this.policies.findForConversation(manager, conversationId);
      let stored: RetentionPolicy | null = null;
      if (days === null) await this.policies.remove(manager, conversationId);
      else stored = await this.policies.put(manager, { scope: conversationId, conversationId, days, updatedById: actor.id });
      if ((before?.days ?? null) !== days) await this.recordChange(manager, actor, 'conversation', conversationId, before?.days ?? null, days);
      const global = await this.policies.findGlobal(manager);
      return {
        scope: 'conversation',
        conversationId,
        days,
        effectiveDays: days ?? global?.days ?? null,
        updatedAt: stored ? stored.updatedAt.toISOString() : null,
      };
    });
  }

  private recordChange(
    manager: EntityManager,
    actor: Actor,
    targetType: 'settings' | 'conversation',
    targetId: string,
    before: number | null,
    after: number | null,
  ) {
    return this.audit.record(manager, actor, { type: 'retention.changed', targetType, targetId, before: { days: before }, after: { days: after } });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity.js';
import type { Actor, NewAuditEntry } from './audit.types.js';

export interface AuditFilter {
  actorId?: string;
  targetId?: string;
  type?: string;
  /** Only entries older than this id (the keyset cursor). */
  beforeId?: string;
  limit: number;
}

/** The one repository of `audit_entry`: it inserts and lists, and has no way to change a row. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, actor: Actor, entry: NewAuditEntry): Promise<void> {
    await manager.insert(AuditEntry, { ...entry, actorId: actor.id, requestId: actor.requestId });
  }

  /** Newest first, through the index of whichever filter is given (each ends with the id). */
  page(filter: AuditFilter): Promise<AuditEntry[]> {
    const query = this.dataSource.getRepository(AuditEntry).createQueryBuilder('a');
    if (filter.actorId) query.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.targetId) query.andWhere('a.target_id = :targetId', { targetId: filter.targetId });
    if (filter.type) query.andWhere('a.type = :type', { type: filter.type });
    if (filter.beforeId) query.andWhere('a.id < :beforeId', { beforeId: filter.beforeId });
    return query.orderBy('a.id', 'DESC').limit(filter.limit).getMany();
  }
}

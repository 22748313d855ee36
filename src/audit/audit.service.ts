import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import type { AuditEntry } from './audit-entry.entity.js';
import { AuditRepository } from './audit.repository.js';
import type { Actor, NewAuditEntry } from './audit.types.js';
import type { AuditQuery } from './dto/audit.query.js';
import type { AuditEntryDto } from './dto/audit-entry.dto.js';

/**
 * Owns the audit log: every admin or moderator action calls `record` inside its own transaction, so an
 * action that rolls back leaves no row, and one that commits cannot lack its row. Admins read the log.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly entries: AuditRepository,
    private readonly access: AccessService,
  ) {}

  record(manager: EntityManager, actor: Actor, entry: NewAuditEntry): Promise<void> {
    return this.entries.insert(manager, actor, entry);
  }

  async list(caller: AuthUser, query: AuditQuery): Promise<Page<AuditEntryDto>> {
    await this.access.require(caller, Permission.AdminAudit, {});
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.entries.page({
      actorId: query.actorId,
      targetId: query.targetId,
      type: query.type,
      beforeId: query.cursor === undefined ? undefined : idOf(query.cursor),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items: items.map(toAuditEntry), nextCursor: rows.length > limit ? encodeCursor({ id: items[items.length - 1].id }) : null };
  }
}

function idOf(cursor: string): string {
  const { id } = decodeCursor(cursor, { id: 'text' });
  if (!/^[1-9]\d{0,18}$/.test(id)) throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  return id;
}

function toAuditEntry(entry: AuditEntry): AuditEntryDto {
  return {
    id: entry.id,
    actorId: entry.actorId,
    type: entry.type as AuditEntryDto['type'],
    targetType: entry.targetType as AuditEntryDto['targetType'],
    targetId: entry.targetId,
    before: entry.before,
    after: entry.after,
    requestId: entry.requestId,
    createdAt: entry.createdAt.toISOString(),
  };
}

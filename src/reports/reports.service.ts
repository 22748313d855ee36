import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AdminMessagesService } from '../admin/admin-messages.service.js';
import { AdminUsersService, type UserChange } from '../admin/admin-users.service.js';
import { AuditService } from '../audit/audit.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import type { Actor } from '../audit/audit.types.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Conflict, NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { EventLog } from '../events/event-log.service.js';
import type { CreateReportDto } from './dto/create-report.dto.js';
import type { ReportListQuery } from './dto/report-list.query.js';
import type { ReportDto, ReportResolvedEventDto } from './dto/report.dto.js';
import type { ResolveReportDto } from './dto/resolve-report.dto.js';
import type { Report } from './report.entity.js';
import { toReport } from './report.mapper.js';
import { ReportsRepository } from './reports.repository.js';

/**
 * Owns reports: anyone reports a message they can see or any user; admins list them and resolve each
 * once. A resolution runs the action through the admin code paths (the same tombstone and ban, with
 * their own audit rows), marks the report resolved, writes its audit row and the reporter's
 * `report.resolved` event — all in one transaction, so a failed action leaves the report open.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: ReportsRepository,
    private readonly access: AccessService,
    private readonly rateLimits: RateLimits,
    private readonly adminMessages: AdminMessagesService,
    private readonly adminUsers: AdminUsersService,
    private readonly conversations: ConversationsService,
    private readonly audit: AuditService,
    private readonly eventLog: EventLog,
  ) {}

  async create(user: AuthUser, dto: CreateReportDto): Promise<ReportDto> {
    if ((dto.messageId === undefined) === (dto.userId === undefined)) {
      const message = 'give exactly one of messageId and userId';
      throw new ValidationFailed([{ field: dto.messageId === undefined ? 'messageId' : 'userId', message }], message);
    }
    if (dto.messageId !== undefined) await this.access.require(user, Permission.ReportMessage, { messageId: dto.messageId });
    else await this.access.require(user, Permission.ReportUser, { userId: dto.userId! });
    await this.rateLimits.consume(RateLimit.Reports, user.id);
    const report = await this.reports.create({
      reporterId: user.id,
      messageId: dto.messageId ?? null,
      userId: dto.userId ?? null,
      reason: dto.reason,
      note: dto.note ?? null,
    });
    return toReport(report);
  }

  async list(caller: AuthUser, query: ReportListQuery): Promise<Page<ReportDto>> {
    await this.access.require(caller, Permission.AdminReports, {});
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { createdAt: 'timestamp', id: 'uuid' });
    const rows = await this.reports.page({ status: query.status, before, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(toReport), nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.positionAt, id: last.id }) : null };
  }

  async resolve(actor: Actor, reportId: string, dto: ResolveReportDto): Promise<ReportDto> {
    await this.access.require(actor, Permission.AdminReports, {});
    const outcome = await this.dataSource.transaction(async (manager) => {
      const found = await this.reports.lockForUpdate(manager, reportId);
      if (!found) throw new NotFound('Report');
      if (found.status !== 'open') throw new Conflict('This report is already resolved');
      const effects = await this.act(manager, actor, found, dto);
      const report = await this.reports.resolve(manager, found.id, dto.action, actor.id);
      await this.audit.record(manager, actor, {
        type: 'report.resolved',
        targetType: 'report',
        targetId: report.id,
        before: { status: found.status },
        after: { status: report.status, action: dto.action },
      });
      const data: ReportResolvedEventDto = { reportId: report.id, status: 'resolved', action: dto.action };
      await this.eventLog.append(manager, { type: 'report.resolved', userId: report.reporterId, data });
      return { report, ...effects };
    });
    this.eventLog.kick();
    if (outcome.ban) await this.adminUsers.announce(outcome.ban);
    return toReport(outcome.report);
  }

  /** The action itself, through the admin code paths (each writes its own audit row). */
  private async act(manager: EntityManager, actor: Actor, report: Report, { action, until }: ResolveReportDto): Promise<{ ban?: UserChange }> {
    if (until != null && action !== 'mute_user') throw new ValidationFailed([{ field: 'until', message: 'until goes with mute_user only' }]);
    switch (action) {
      case 'dismiss':
        return {};
      case 'delete_message':
        if (!report.messageId) throw new ValidationFailed([{ field: 'action', message: 'delete_message resolves message reports only' }]);
        await this.adminMessages.removeWithin(manager, actor, report.messageId);
        return {};
      case 'mute_user': {
        if (!report.messageId) throw new ValidationFailed([{ field: 'action', message: 'mute_user resolves message reports only' }]);
        const { message } = await this.access.require(actor, Permission.AdminMessages, { messageId: report.messageId }, { manager });
        await this.conversations.muteForModeration(manager, actor, message.conversationId, message.senderId, until ?? null);
        return {};
      }
      case 'ban_user': {
        const userId =
          report.userId ?? (await this.access.require(actor, Permission.AdminMessages, { messageId: report.messageId! }, { manager })).message.senderId;
        return { ban: await this.adminUsers.updateWithin(manager, actor, userId, { banned: true }) };
      }
    }
  }
}

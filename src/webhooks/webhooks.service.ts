import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageQuery } from '../common/pagination/page-query.dto.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { SyncCursors } from '../sync/sync-cursors.js';
import type { CreateWebhookDto, ReplayWebhookDto, UpdateWebhookDto, WebhookDeliveryDto, WebhookDto } from './dto/webhook.dto.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import type { Webhook } from './webhook.entity.js';
import { toDelivery, toWebhook } from './webhook.mapper.js';
import { WebhooksRepository } from './webhooks.repository.js';

const auditedFields = (webhook: Webhook) => ({ url: webhook.url, events: webhook.events, conversationId: webhook.conversationId, status: webhook.status });

/**
 * Owns webhook subscriptions (admins only, for now; API keys with `webhooks:manage` later). A new
 * webhook starts at the log's head: it receives what is committed after it exists. Replay moves its
 * cursor back; disabling stops the dispatcher at the cursor, so re-enabling resumes without a gap.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly log: EventLogRepository,
    private readonly cursors: SyncCursors,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  private readonly encode = (position: string) => this.cursors.encode(position);

  async create(actor: Actor, dto: CreateWebhookDto): Promise<WebhookDto> {
    await this.access.require(actor, Permission.AdminWebhooks, {});
    const webhook = await this.dataSource.transaction(async (manager) => {
      const { head } = await this.log.bounds(manager);
      const row = await this.webhooks.create(manager, {
        url: dto.url,
        events: [...new Set(dto.events)],
        conversationId: dto.conversationId ?? null,
        secret: dto.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
        cursor: head.toString(),
        createdBy: actor.id,
      });
      await this.audit.record(manager, actor, { type: 'webhook.created', targetType: 'webhook', targetId: row.id, before: null, after: auditedFields(row) });
      return row;
    });
    // Its first events may already be sequencing: the dispatcher stops skipping batches for want of webhooks.
    this.dispatcher.kick();
    return toWebhook(webhook, this.encode, { withSecret: true });
  }

  async list(caller: AuthUser, query: PageQuery): Promise<Page<WebhookDto>> {
    await this.access.require(caller, Permission.AdminWebhooks, {});
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { createdAt: 'timestamp', id: 'uuid' });
    const rows = await this.webhooks.page(before, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((webhook) => toWebhook(webhook, this.encode)),
      nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
    };
  }

  async get(caller: AuthUser, id: string): Promise<WebhookDto> {
    await this.access.require(caller, Permission.AdminWebhooks, {});
    return toWebhook(await this.found(id), this.encode);
  }

  async update(actor: Actor, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    await this.access.require(actor, Permission.AdminWebhooks, {});
    const webhook = await this.dataSource.transaction(async (manager) => {
      const before = await this.webhooks.lock(manager, id);
      if (!before) throw new NotFound('Webhook');
      const changes: Partial<Webhook> = {};
      if (dto.url !== undefined) changes.url = dto.url;
      if (dto.events !== undefined) changes.events = [...new Set(dto.events)];
      if (dto.conversationId !== undefined) changes.conversationId = dto.conversationId;
      if (dto.secret !== undefined) changes.secret = dto.secret;
      if (dto.enabled === true) Object.assign(changes, { status: 'active', disabledReason: null, consecutiveDead: 0 });
      if (dto.enabled === false) Object.assign(changes, { status: 'disabled', disabledReason: 'admin' });
      await this.webhooks.update(manager, id, changes);
      const after = (await this.webhooks.find(id, manager))!;
      await this.audit.record(manager, actor, {
        type: 'webhook.updated',
        targetType: 'webhook',
        targetId: id,
        before: auditedFields(before),
        after: { ...auditedFields(after), ...(dto.secret !== undefined ? { secretRotated: true } : {}) },
      });
      return after;
    });
    if (webhook.status === 'active') this.dispatcher.kick();
    return toWebhook(webhook, this.encode, { withSecret: dto.secret !== undefined });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.access.require(actor, Permission.AdminWebhooks, {});
    await this.dataSource.transaction(async (manager) => {
      const before = await this.webhooks.lock(manager, id);
      if (!before) throw new NotFound('Webhook');
      await this.webhooks.remove(manager, id);
      await this.audit.record(manager, actor, { type: 'webhook.deleted', targetType: 'webhook', targetId: id, before: auditedFields(before), after: null });
    });
  }

  /**
   * Every matching event after `fromCursor` is dispatched again (new deliveries, the same event ids),
   * ahead of anything not yet dispatched. A cursor ahead of the webhook's own would skip events: refused.
   */
  async replay(actor: Actor, id: string, dto: ReplayWebhookDto): Promise<void> {
    await this.access.require(actor, Permission.AdminWebhooks, {});
    const from = this.cursors.decode(dto.fromCursor);
    if (from === null) throw new ValidationFailed([{ field: 'fromCursor', message: 'fromCursor is not a cursor of this server' }]);
    await this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.lock(manager, id);
      if (!webhook) throw new NotFound('Webhook');
      const { prunedThrough } = await this.log.bounds(manager);
      if (from < prunedThrough) throw new ValidationFailed([{ field: 'fromCursor', message: 'fromCursor is older than the event log keeps (SYNC_RETENTION)' }]);
      if (from > BigInt(webhook.cursor)) throw new ValidationFailed([{ field: 'fromCursor', message: 'fromCursor is ahead of what this webhook was sent' }]);
      await this.webhooks.update(manager, id, { cursor: from.toString() });
      await this.audit.record(manager, actor, {
        type: 'webhook.replayed',
        targetType: 'webhook',
        targetId: id,
        before: { cursor: webhook.cursor },
        after: { cursor: from.toString() },
      });
    });
    this.dispatcher.kick();
  }

  async listDeliveries(caller: AuthUser, id: string, query: PageQuery): Promise<Page<WebhookDeliveryDto>> {
    await this.access.require(caller, Permission.AdminWebhooks, {});
    await this.found(id);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    let before: string | undefined;
    if (query.cursor !== undefined) {
      before = decodeCursor(query.cursor, { number: 'text' }).number;
      if (!/^[1-9]\d{0,18}$/.test(before)) throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
    }
    const rows = await this.deliveries.page(id, before, limit + 1);
    const items = rows.slice(0, limit);
    return {
      items: items.map((delivery) => toDelivery(delivery, this.encode)),
      nextCursor: rows.length > limit ? encodeCursor({ number: String(items[items.length - 1].number) }) : null,
    };
  }

  private async found(id: string): Promise<Webhook> {
    const webhook = await this.webhooks.find(id);
    if (!webhook) throw new NotFound('Webhook');
    return webhook;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageGrant } from '../access/access.types.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { EventLog } from '../events/event-log.service.js';
import { MessagesService } from '../messages/messages.service.js';

/** An admin deleting any message: the tombstone, its event and the audit row, in one transaction. */
@Injectable()
export class AdminMessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessagesService,
    private readonly audit: AuditService,
    private readonly eventLog: EventLog,
  ) {}

  async remove(actor: Actor, messageId: string): Promise<void> {
    const deleted = await this.dataSource.transaction((manager) => this.removeWithin(manager, actor, messageId));
    if (deleted) this.eventLog.kick();
  }

  /**
   * In the caller's transaction (report resolution uses it too); true when this call deleted the
   * message, and then the caller kicks the event log after commit. Deleting a tombstone changes
   * nothing and audits nothing. The audit row keeps who sent it where, never its words.
   */
  async removeWithin(manager: EntityManager, actor: Actor, messageId: string): Promise<boolean> {
    const { message, deleted } = await this.messages.removeAnyWithin(manager, actor, messageId);
    if (deleted) await this.audit.record(manager, actor, messageAudit(message));
    return deleted;
  }
}

function messageAudit(message: MessageGrant['message']) {
  return {
    type: 'message.deleted' as const,
    targetType: 'message' as const,
    targetId: message.id,
    before: { conversationId: message.conversationId, senderId: message.senderId, deleted: false },
    after: { deleted: true },
  };
}

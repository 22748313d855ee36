import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AppException, Conflict, NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageQuery } from '../common/pagination/page-query.dto.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import type { JobContext } from '../jobs/job-definition.js';
import { Jobs } from '../jobs/jobs.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ScheduledMessageDto } from './dto/scheduled-message.dto.js';
import type { ScheduleMessageDto, UpdateScheduledDto } from './dto/schedule-message.dto.js';
import type { ScheduledMessage } from './scheduled-message.entity.js';
import { toScheduledDto } from './scheduled.mapper.js';
import { ScheduledRepository } from './scheduled.repository.js';

export const SCHEDULED_SEND_JOB = 'messages.scheduled-send';

/**
 * Scheduled messages: stored in `scheduled_message`, each with a job on the queue (written in the same
 * transaction) that starts at `sendAt`. The job claims the row (`sending`: no edits from then on), sends
 * through `MessagesService.send` — the normal path: membership, blocks and mutes checked then, the next
 * seq, `message.created`, idempotent by the row's `clientMessageId` — and records the outcome. A run
 * that dies after the send and before the outcome runs again and gets the same message back from the
 * send's idempotency, so a scheduled message becomes exactly one message. An edit of `sendAt` cancels
 * the old job and enqueues a new one; a job whose id is no longer the row's does nothing.
 */
@Injectable()
export class ScheduledService {
  private readonly logger = new Logger(ScheduledService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rows: ScheduledRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly messages: MessagesService,
    private readonly jobs: Jobs,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async schedule(
    caller: AuthUser,
    conversationId: string,
    dto: ScheduleMessageDto,
    now = new Date(),
  ): Promise<{ scheduled: ScheduledMessageDto; created: boolean }> {
    await this.access.require(caller, Permission.ConversationPost, { conversationId });
    const sendAt = this.checkedSendAt(dto.sendAt, now);
    return this.dataSource.transaction(async (manager) => {
      // Locks the author's row: two schedules at once can't both slip under the cap.
      await this.users.lockForUpdate(manager, caller.id);
      const earlier = await this.rows.findByClientId(manager, caller.id, conversationId, dto.clientMessageId);
      if (earlier) return { scheduled: toScheduledDto(earlier), created: false };
      const cap = this.config.caps.scheduledPerUser;
      if ((await this.rows.countWaiting(manager, caller.id)) >= cap) throw new Conflict(`At most ${cap} scheduled messages may wait at once`);
      const row = await this.rows.insert(manager, { userId: caller.id, conversationId, clientMessageId: dto.clientMessageId, content: dto.content, sendAt });
      row.jobId = await this.enqueue(manager, row.id, sendAt);
      await this.rows.update(manager, row.id, { jobId: row.jobId });
      return { scheduled: toScheduledDto(row), created: true };
    });
  }

  async list(caller: AuthUser, query: PageQuery): Promise<Page<ScheduledMessageDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { sendAt: 'timestamp', id: 'uuid' });
    const rows = await this.rows.page(caller.id, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(toScheduledDto),
      nextCursor: rows.length > limit && last ? encodeCursor({ sendAt: last.sendAt.toISOString(), id: last.id }) : null,
    };
  }

  async update(caller: AuthUser, id: string, dto: UpdateScheduledDto, now = new Date()): Promise<ScheduledMessageDto> {
    const sendAt = dto.sendAt === undefined ? undefined : this.checkedSendAt(dto.sendAt, now);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.pendingOf(manager, caller, id);
      if (dto.content !== undefined) row.content = dto.content;
      if (sendAt && sendAt.getTime() !== row.sendAt.getTime()) {
        if (row.jobId) await this.jobs.cancel(SCHEDULED_SEND_JOB, row.jobId, { manager });
        row.sendAt = sendAt;
        row.jobId = await this.enqueue(manager, row.id, sendAt);
      }
      await this.rows.update(manager, row.id, { content: row.content, sendAt: row.sendAt, jobId: row.jobId });
      return toScheduledDto(row);
    });
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.pendingOf(manager, caller, id);
      if (row.jobId) await this.jobs.cancel(SCHEDULED_SEND_JOB, row.jobId, { manager });
      await this.rows.remove(manager, row.id);
    });
  }

  /** The job: claim, send through the normal path, record the outcome (see the class comment). */
  async sendDue(scheduledId: string, context: JobContext): Promise<void> {
    const row = await this.rows.claim(scheduledId, context.id);
    if (!row) return;
    const author = await this.users.findById(row.userId);
    if (!author || author.banned) return this.rows.finish(row.id, { status: 'failed', failureReason: 'USER_BANNED: the author can no longer send' });
    const user: AuthUser = { id: author.id, role: author.role, sessionId: row.id };
    try {
      const { message } = await this.messages.send(user, row.conversationId, { clientMessageId: row.clientMessageId, content: row.content }, 'scheduled');
      await this.rows.finish(row.id, { status: 'sent', messageId: message.id });
    } catch (error) {
      if (!isFinal(error) && context.attempt < context.attempts) throw error;
      const reason = error instanceof AppException ? `${error.code}: ${error.message}` : 'SERVICE_UNAVAILABLE: not sent after every retry';
      this.logger.warn(`scheduled message ${row.id} not sent: ${reason}`);
      await this.rows.finish(row.id, { status: 'failed', failureReason: reason });
    }
  }

  private async pendingOf(manager: EntityManager, caller: AuthUser, id: string): Promise<ScheduledMessage> {
    const row = await this.rows.lockOwn(manager, id, caller.id);
    if (!row) throw new NotFound('Scheduled message');
    if (row.status !== 'pending') throw new Conflict(`This scheduled message is already ${row.status}`);
    return row;
  }

  private async enqueue(manager: EntityManager, scheduledId: string, sendAt: Date): Promise<string> {
    const jobId = await this.jobs.enqueue(SCHEDULED_SEND_JOB, { scheduledId }, { manager, startAfter: sendAt });
    if (!jobId) throw new Error('the scheduled-send job was turned away');
    return jobId;
  }

  private checkedSendAt(value: string, now: Date): Date {
    const sendAt = new Date(value);
    if (sendAt.getTime() <= now.getTime()) throw new ValidationFailed([{ field: 'sendAt', message: 'sendAt must be in the future' }]);
    if (sendAt.getTime() > now.getTime() + this.config.caps.scheduleAheadSeconds * 1000) {
      throw new ValidationFailed([{ field: 'sendAt', message: 'sendAt is too far ahead (SCHEDULED_MESSAGE_MAX_AHEAD)' }]);
    }
    return sendAt;
  }
}

/** A refusal the sender's situation explains (not a member, blocked, muted…): retrying would not change it. A 429 or an outage would. */
function isFinal(error: unknown): boolean {
  return error instanceof AppException && error.getStatus() < 500 && error.getStatus() !== HttpStatus.TOO_MANY_REQUESTS;
}

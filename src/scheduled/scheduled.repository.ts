import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Repository } from 'typeorm';
import { ScheduledMessage } from './scheduled-message.entity.js';

export interface NewScheduled {
  userId: string;
  conversationId: string;
  clientMessageId: string;
  content: string;
  sendAt: Date;
}

/** The `scheduled_message` table. */
@Injectable()
export class ScheduledRepository {
  constructor(@InjectRepository(ScheduledMessage) private readonly rows: Repository<ScheduledMessage>) {}

  insert(manager: EntityManager, row: NewScheduled): Promise<ScheduledMessage> {
    return manager.save(manager.create(ScheduledMessage, { ...row, status: 'pending', messageId: null, failureReason: null, jobId: null }));
  }

  findByClientId(manager: EntityManager, userId: string, conversationId: string, clientMessageId: string): Promise<ScheduledMessage | null> {
    return manager.findOne(ScheduledMessage, { where: { userId, conversationId, clientMessageId } });
  }

  countWaiting(manager: EntityManager, userId: string): Promise<number> {
    return manager.count(ScheduledMessage, { where: { userId, status: In(['pending', 'sending']) } });
  }

  findById(id: string): Promise<ScheduledMessage | null> {
    return this.rows.findOne({ where: { id } });
  }

  lockOwn(manager: EntityManager, id: string, userId: string): Promise<ScheduledMessage | null> {
    return manager.findOne(ScheduledMessage, { where: { id, userId }, lock: { mode: 'pessimistic_write' } });
  }

  async update(manager: EntityManager, id: string, changes: Partial<Pick<ScheduledMessage, 'content' | 'sendAt' | 'jobId'>>): Promise<void> {
    await manager.update(ScheduledMessage, { id }, changes);
  }

  async remove(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(ScheduledMessage, { id });
  }

  /** The job's claim: `pending` → `sending` for the job of the current `sendAt`, or already its own (a retry after a crash). */
  async claim(id: string, jobId: string): Promise<ScheduledMessage | null> {
    const result = await this.rows
      .createQueryBuilder()
      .update(ScheduledMessage)
      .set({ status: 'sending' })
      .where("id = :id AND job_id = :jobId AND status IN ('pending', 'sending')", { id, jobId })
      .execute();
    return result.affected ? this.findById(id) : null;
  }

  async finish(id: string, outcome: { status: 'sent'; messageId: string } | { status: 'failed'; failureReason: string }): Promise<void> {
    await this.rows.update(
      { id, status: 'sending' },
      outcome.status === 'sent' ? { status: 'sent', messageId: outcome.messageId } : { status: 'failed', failureReason: outcome.failureReason.slice(0, 500) },
    );
  }

  /** The user's scheduled messages by `sendAt`, then id, after the cursor's position. */
  page(userId: string, after: { sendAt: string; id: string } | undefined, limit: number): Promise<ScheduledMessage[]> {
    const query = this.rows.createQueryBuilder('s').where('s.user_id = :userId', { userId });
    if (after) query.andWhere('(s.send_at, s.id) > (:sendAt::timestamptz, :id::uuid)', after);
    return query.orderBy('s.send_at', 'ASC').addOrderBy('s.id', 'ASC').limit(limit).getMany();
  }
}

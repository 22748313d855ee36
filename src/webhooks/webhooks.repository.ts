import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select } from '../database/sql.js';
import { Webhook } from './webhook.entity.js';

/** The one repository of `webhook`. */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(Webhook);
  }

  async create(manager: EntityManager, webhook: Pick<Webhook, 'url' | 'events' | 'conversationId' | 'secret' | 'cursor' | 'createdBy'>): Promise<Webhook> {
    const { identifiers } = await this.repo(manager).insert(webhook);
    return (await this.find(String(identifiers[0].id), manager))!;
  }

  find(id: string, manager?: EntityManager): Promise<Webhook | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** Locks the row for the caller's transaction; with `skipLocked`, null when another transaction holds it. */
  async lock(manager: EntityManager, id: string, { skipLocked = false } = {}): Promise<Webhook | null> {
    const query = this.repo(manager).createQueryBuilder('w').where('w.id = :id', { id });
    return (skipLocked ? query.setLock('pessimistic_write').setOnLocked('skip_locked') : query.setLock('pessimistic_write')).getOne();
  }

  /** Newest first, keyset by (created_at to the millisecond, as a cursor carries it; id). */
  page(before: { createdAt: string; id: string } | undefined, limit: number): Promise<Webhook[]> {
    const query = this.repo().createQueryBuilder('w').orderBy(`date_trunc('milliseconds', w.created_at)`, 'DESC').addOrderBy('w.id', 'DESC').limit(limit);
    if (before) query.where(`(date_trunc('milliseconds', w.created_at), w.id) < (:createdAt::timestamptz, :id::uuid)`, before);
    return query.getMany();
  }

  /** Every active webhook with its cursor: the dispatcher's work list (an admin's few, read by the partial index). */
  active(): Promise<Pick<Webhook, 'id' | 'cursor'>[]> {
    return select<Pick<Webhook, 'id' | 'cursor'>>(this.dataSource.manager, `SELECT id, cursor FROM webhook WHERE status = 'active'`);
  }

  async update(manager: EntityManager, id: string, changes: Partial<Webhook>): Promise<void> {
    await this.repo(manager).update({ id }, changes);
  }

  async remove(manager: EntityManager, id: string): Promise<void> {
    await this.repo(manager).delete({ id });
  }

  /** A delivery went dead: counts it, and answers the count since the last success. */
  async countDead(manager: EntityManager, id: string): Promise<number> {
    const { rows } = await change<{ consecutive_dead: number }>(
      manager,
      `UPDATE webhook SET consecutive_dead = consecutive_dead + 1 WHERE id = $1 RETURNING consecutive_dead`,
      [id],
    );
    return rows[0]?.consecutive_dead ?? 0;
  }

  async resetDead(manager: EntityManager, id: string): Promise<void> {
    await change(manager, `UPDATE webhook SET consecutive_dead = 0 WHERE id = $1 AND consecutive_dead <> 0`, [id]);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, selectOne } from '../database/sql.js';
import { GLOBAL_SCOPE, RetentionPolicy } from './retention-policy.entity.js';

/** A conversation the sweep looks at, with the days that apply to it. */
export interface SweepTarget {
  conversationId: string;
  days: number;
}

/** The one repository of `retention_policy`. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findGlobal(manager: EntityManager = this.dataSource.manager): Promise<RetentionPolicy | null> {
    return manager.findOneBy(RetentionPolicy, { scope: GLOBAL_SCOPE });
  }

  findForConversation(manager: EntityManager, conversationId: string): Promise<RetentionPolicy | null> {
    return manager.findOneBy(RetentionPolicy, { scope: conversationId });
  }

  /** Inserts or replaces the row of a scope, locking it for the transaction; answers the row as stored. */
  async put(manager: EntityManager, row: { scope: string; conversationId: string | null; days: number | null; updatedById: string }): Promise<RetentionPolicy> {
    const stored = await selectOne<{ updated_at: Date }>(
      manager,
      `INSERT INTO retention_policy (scope, conversation_id, days, updated_by_id, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (scope) DO UPDATE SET days = excluded.days, updated_by_id = excluded.updated_by_id, updated_at = now()
       RETURNING updated_at`,
      [row.scope, row.conversationId, row.days, row.updatedById],
    );
    return Object.assign(new RetentionPolicy(), row, { updatedAt: stored!.updated_at });
  }

  async remove(manager: EntityManager, scope: string): Promise<void> {
    await change(manager, `DELETE FROM retention_policy WHERE scope = $1`, [scope]);
  }

  /**
   * The next conversations after `afterId` (by id) that have a policy: every conversation when the
   * global policy keeps `globalDays`, only those with an override when it keeps everything (null).
   */
  async sweepTargets(afterId: string, limit: number, globalDays: number | null): Promise<SweepTarget[]> {
    const rows =
      globalDays === null
        ? await select<{ id: string; days: number }>(
            this.dataSource.manager,
            `SELECT conversation_id AS id, days FROM retention_policy
              WHERE conversation_id > $1 AND days IS NOT NULL ORDER BY conversation_id LIMIT $2`,
            [afterId, limit],
          )
        : await select<{ id: string; days: number }>(
            this.dataSource.manager,
            `SELECT c.id, coalesce(p.days, $3) AS days FROM conversation c
               LEFT JOIN retention_policy p ON p.conversation_id = c.id
              WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
            [afterId, limit, globalDays],
          );
    return rows.map((row) => ({ conversationId: row.id, days: Number(row.days) }));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, selectOne } from '../database/sql.js';
import type { ExportStatus } from './data-export.entity.js';

export interface ExportRow {
  id: string;
  userId: string;
  status: ExportStatus;
  expiresAt: Date | null;
  /** The owner's account is deleted or banned: its archive is served to nobody. */
  ownerGone: boolean;
}

const COLUMNS = `e.id, e.user_id AS "userId", e.status, e.expires_at AS "expiresAt", (u.deleted_at IS NOT NULL OR u.banned) AS "ownerGone"`;

/** The one repository of `data_export`. */
@Injectable()
export class DataExportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A new pending export; null when the user already has one (the partial unique index decides). */
  async createPending(manager: EntityManager, userId: string): Promise<string | null> {
    const row = await selectOne<{ id: string }>(
      manager,
      `INSERT INTO data_export (user_id) VALUES ($1) ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
      [userId],
    );
    return row?.id ?? null;
  }

  async findPendingOf(manager: EntityManager, userId: string): Promise<string | null> {
    const row = await selectOne<{ id: string }>(manager, `SELECT id FROM data_export WHERE user_id = $1 AND status = 'pending'`, [userId]);
    return row?.id ?? null;
  }

  findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<ExportRow | undefined> {
    return selectOne<ExportRow>(manager, `SELECT ${COLUMNS} FROM data_export e JOIN users u ON u.id = e.user_id WHERE e.id = $1`, [id]);
  }

  /** Finishes a pending export; answers false when it was not pending any more (a retry after it finished). */
  async finish(manager: EntityManager, id: string, status: 'ready' | 'failed', size: number | null, expiresAt: Date): Promise<boolean> {
    const { count } = await change(
      manager,
      `UPDATE data_export SET status = $2, size = $3, finished_at = now(), expires_at = $4 WHERE id = $1 AND status = 'pending'`,
      [id, status, size, expiresAt],
    );
    return count > 0;
  }

  /** Finished exports past their `expires_at`, and every finished export of a deleted account. */
  expired(now: Date, limit: number): Promise<Array<{ id: string; status: ExportStatus }>> {
    return select(
      this.dataSource.manager,
      `SELECT e.id, e.status FROM data_export e
        WHERE e.status <> 'pending' AND (e.expires_at <= $1 OR e.user_id IN (SELECT id FROM users WHERE deleted_at IS NOT NULL))
        ORDER BY e.expires_at LIMIT $2`,
      [now, limit],
    );
  }

  /** Pending exports older than `before`: their job died without a word (its worker was killed past its last retry). */
  stalePending(before: Date, limit: number): Promise<Array<{ id: string; userId: string }>> {
    return select(
      this.dataSource.manager,
      `SELECT id, user_id AS "userId" FROM data_export WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
  }

  async remove(id: string): Promise<void> {
    await change(this.dataSource.manager, `DELETE FROM data_export WHERE id = $1`, [id]);
  }
}

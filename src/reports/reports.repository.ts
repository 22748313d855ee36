import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, selectOne } from '../database/sql.js';
import { Report } from './report.entity.js';
import type { ReportAction, ReportReason, ReportStatus } from './report.types.js';

/** A report with its position for the newest-first keyset (microseconds, as the database keeps them). */
export type ReportRow = Report & { positionAt: string };

interface RawReport {
  id: string;
  reporter_id: string;
  message_id: string | null;
  user_id: string | null;
  reason: ReportReason;
  note: string | null;
  status: ReportStatus;
  action: ReportAction | null;
  resolved_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
  position_at: string;
}

const COLUMNS = `id, reporter_id, message_id, user_id, reason, note, status, action, resolved_by, created_at, resolved_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at`;

const toRow = (raw: RawReport): ReportRow =>
  Object.assign(new Report(), {
    id: raw.id,
    reporterId: raw.reporter_id,
    messageId: raw.message_id,
    userId: raw.user_id,
    reason: raw.reason,
    note: raw.note,
    status: raw.status,
    action: raw.action,
    resolvedBy: raw.resolved_by,
    createdAt: new Date(raw.created_at),
    resolvedAt: raw.resolved_at && new Date(raw.resolved_at),
    positionAt: raw.position_at,
  });

/** The one repository of `report`. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A unique violation of `report_open_*_uq` (another open report of the same target) reaches the error filter as 409. */
  async create(report: { reporterId: string; messageId: string | null; userId: string | null; reason: ReportReason; note: string | null }): Promise<Report> {
    const [raw] = await select<RawReport>(
      this.dataSource.manager,
      `INSERT INTO report (reporter_id, message_id, user_id, reason, note) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [report.reporterId, report.messageId, report.userId, report.reason, report.note],
    );
    return toRow(raw);
  }

  async lockForUpdate(manager: EntityManager, id: string): Promise<Report | undefined> {
    const raw = await selectOne<RawReport>(manager, `SELECT ${COLUMNS} FROM report WHERE id = $1 FOR UPDATE`, [id]);
    return raw && toRow(raw);
  }

  async resolve(manager: EntityManager, id: string, action: ReportAction, resolvedBy: string): Promise<Report> {
    const { rows } = await change<RawReport>(
      manager,
      `UPDATE report SET status = 'resolved', action = $2, resolved_by = $3, resolved_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, action, resolvedBy],
    );
    return toRow(rows[0]);
  }

  /** Newest first through `report_status_created_idx` (or a scan of the table by time without a status). */
  async page(filter: { status?: ReportStatus; before?: { createdAt: string; id: string }; limit: number }): Promise<ReportRow[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (filter.status) {
      parameters.push(filter.status);
      conditions.push(`status = $${parameters.length}`);
    }
    if (filter.before) {
      parameters.push(filter.before.createdAt, filter.before.id);
      conditions.push(`(created_at, id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::uuid)`);
    }
    parameters.push(filter.limit);
    const rows = await select<RawReport>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM report ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map(toRow);
  }
}

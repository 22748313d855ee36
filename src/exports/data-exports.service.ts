import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Conflict, NotFound } from '../common/errors/app.exception.js';
import { Jobs } from '../jobs/jobs.service.js';
import { type SignedQuery, MediaUrls } from '../media/media-urls.js';
import { MediaStorage } from '../media/storage/media-storage.js';
import { archiveKeyOf } from './data-export.entity.js';
import { DataExportsRepository } from './data-exports.repository.js';
import type { DataExportDto, ExportStartedDto } from './dto/data-export.dto.js';

/** What the signed download route sends. */
export interface ExportDownload {
  body: NodeJS.ReadableStream;
  size: number | null;
  filename: string;
}

/**
 * Data exports (`POST /users/me/export`): the request's transaction creates the pending row, audits
 * `user.exported` and enqueues `users.export`, so either all three happen or none. A user has at most
 * one pending export: asking again while it runs is 409 `CONFLICT` with the pending `exportId` in
 * `details`. Someone else's export is a 404, as an unknown one.
 */
@Injectable()
export class DataExportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly exports: DataExportsRepository,
    private readonly audit: AuditService,
    private readonly jobs: Jobs,
    private readonly urls: MediaUrls,
    private readonly storage: MediaStorage,
  ) {}

  async start(actor: Actor): Promise<ExportStartedDto> {
    const exportId = await this.dataSource.transaction(async (manager) => {
      const created = await this.exports.createPending(manager, actor.id);
      if (!created) {
        const pending = await this.exports.findPendingOf(manager, actor.id);
        throw new Conflict('An export of your data is already being prepared', [{ field: 'exportId', message: pending ?? 'unknown' }]);
      }
      await this.audit.record(manager, actor, { type: 'user.exported', targetType: 'user', targetId: actor.id, before: null, after: { exportId: created } });
      await this.jobs.enqueue('users.export', { exportId: created }, { manager });
      return created;
    });
    return { exportId };
  }

  async status(caller: AuthUser, exportId: string): Promise<DataExportDto> {
    const found = await this.exports.findById(exportId);
    if (!found || found.userId !== caller.id) throw new NotFound('Export');
    return found.status === 'ready' ? { status: 'ready', url: this.urls.exportUrl(found.id, caller.id) } : { status: found.status };
  }

  /** The archive behind a signed URL, while the export is ready and still its owner's. */
  async download(exportId: string, query: SignedQuery): Promise<ExportDownload> {
    const userId = this.urls.verifyExport(exportId, query);
    const found = await this.exports.findById(exportId);
    if (!found || found.userId !== userId || found.status !== 'ready' || found.ownerGone) throw new NotFound('Export');
    const key = archiveKeyOf(found.id);
    const info = await this.storage.stat(key);
    if (!info) throw new NotFound('Export');
    return { body: await this.storage.read(key), size: info.size, filename: `export-${found.id}.zip` };
  }
}

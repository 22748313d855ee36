import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { EventLog } from '../events/event-log.service.js';
import type { JobContext } from '../jobs/job-definition.js';
import { JOBS } from '../jobs/job-catalog.js';
import { Jobs } from '../jobs/jobs.service.js';
import { MediaStorage } from '../media/storage/media-storage.js';
import { archiveKeyOf } from './data-export.entity.js';
import { DataExportsRepository } from './data-exports.repository.js';
import type { ExportFinishedEventDto } from './dto/data-export.dto.js';
import { ExportArchive } from './export-archive.js';

/** Exports expired or stale handled per housekeeping query. */
const HOUSEKEEPING_BATCH = 100;
/** A pending export older than every attempt of its job could take has lost its job. */
const STALE_PENDING_MS = (JOBS['users.export'].timeoutSeconds! * JOBS['users.export'].retry.attempts + 3600) * 1000;

/**
 * The jobs of data exports. `users.export` writes the archive (src/exports/export-archive.ts) and marks
 * the export `ready`; a run that throws is retried, and the last attempt marks it `failed` — either way
 * the owner gets `export.finished` on their user room. A retry rewrites the archive from the start (same
 * key, replaced whole: the storage never shows a partial file). `exports.housekeeping` (hourly) deletes
 * archives and rows past `EXPORT_TTL`, and fails pending exports whose job died without a word.
 */
@Injectable()
export class DataExportJobs implements OnModuleInit {
  private readonly logger = new Logger(DataExportJobs.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: Jobs,
    private readonly exports: DataExportsRepository,
    private readonly archive: ExportArchive,
    private readonly storage: MediaStorage,
    private readonly eventLog: EventLog,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit() {
    await this.jobs.registerHandler('users.export', ({ exportId }, context) => this.run(exportId, context));
    await this.jobs.registerHandler('exports.housekeeping', () => this.housekeeping());
  }

  async run(exportId: string, context: Pick<JobContext, 'attempt' | 'attempts' | 'signal'>): Promise<void> {
    const found = await this.exports.findById(exportId);
    if (!found || found.status !== 'pending') return;
    let size: number;
    try {
      size = await this.archive.write(found.userId, archiveKeyOf(exportId), context.signal);
    } catch (error) {
      if (context.attempt < context.attempts || context.signal.aborted) throw error;
      this.logger.error({ err: error, exportId }, 'data export failed on its last attempt');
      await this.storage.delete(archiveKeyOf(exportId));
      await this.finish(exportId, found.userId, 'failed', null);
      return;
    }
    if (!(await this.finish(exportId, found.userId, 'ready', size))) await this.storage.delete(archiveKeyOf(exportId));
  }

  async housekeeping(): Promise<void> {
    const now = this.clock.now();
    for (;;) {
      const expired = await this.exports.expired(now, HOUSEKEEPING_BATCH);
      for (const row of expired) {
        await this.storage.delete(archiveKeyOf(row.id));
        await this.exports.remove(row.id);
      }
      if (expired.length < HOUSEKEEPING_BATCH) break;
    }
    const stale = await this.exports.stalePending(new Date(now.getTime() - STALE_PENDING_MS), HOUSEKEEPING_BATCH);
    for (const row of stale) {
      await this.storage.delete(archiveKeyOf(row.id));
      await this.finish(row.id, row.userId, 'failed', null);
    }
  }

  /** Marks a pending export finished and tells its owner, in one transaction; false when it was not pending. */
  private async finish(exportId: string, userId: string, status: 'ready' | 'failed', size: number | null): Promise<boolean> {
    const expiresAt = new Date(this.clock.now().getTime() + this.config.exports.ttlSeconds * 1000);
    const done = await this.dataSource.transaction(async (manager) => {
      if (!(await this.exports.finish(manager, exportId, status, size, expiresAt))) return false;
      const data: ExportFinishedEventDto = { exportId, status };
      await this.eventLog.append(manager, { type: 'export.finished', userId, data });
      return true;
    });
    if (done) this.eventLog.kick();
    return done;
  }
}

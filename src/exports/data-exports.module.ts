import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MediaStorageModule } from '../media/media-storage.module.js';
import { DataExportJobs } from './data-export.jobs.js';
import { DataExportsController } from './data-exports.controller.js';
import { DataExportsRepository } from './data-exports.repository.js';
import { DataExportsService } from './data-exports.service.js';
import { ExportArchive } from './export-archive.js';
import { ExportSources } from './export-sources.js';

/** Data exports: `POST /users/me/export`, its status, the signed download, and the jobs that write and expire archives. */
@Module({
  imports: [AuditModule, MediaStorageModule],
  controllers: [DataExportsController],
  providers: [DataExportsRepository, DataExportsService, DataExportJobs, ExportArchive, ExportSources],
})
export class DataExportsModule {}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXPORT_STATUSES, type ExportStatus } from '../data-export.entity.js';

export class ExportStartedDto {
  @ApiProperty({ format: 'uuid' })
  exportId: string;
}

export class DataExportDto {
  @ApiProperty({ enum: EXPORT_STATUSES })
  status: ExportStatus;

  @ApiPropertyOptional({
    description: 'When `ready`: a signed URL to the zip archive (no token needed), valid for MEDIA_URL_TTL; ask again for a fresh one',
  })
  url?: string;
}

/** `export.finished`: the recipient's data export is ready to download, or failed (start another). */
export class ExportFinishedEventDto {
  @ApiProperty({ format: 'uuid' })
  exportId: string;

  @ApiProperty({ enum: ['ready', 'failed'] })
  status: 'ready' | 'failed';
}

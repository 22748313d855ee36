import type { ReportDto } from './dto/report.dto.js';
import type { Report } from './report.entity.js';

export function toReport(report: Report): ReportDto {
  return {
    id: report.id,
    reporterId: report.reporterId,
    messageId: report.messageId,
    userId: report.userId,
    reason: report.reason,
    note: report.note,
    status: report.status,
    action: report.action,
    createdAt: report.createdAt.toISOString(),
    resolvedAt: report.resolvedAt?.toISOString() ?? null,
  };
}

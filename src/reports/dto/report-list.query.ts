import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { EnumField } from '../../common/validation/field.decorators.js';
import { REPORT_STATUSES, type ReportStatus } from '../report.types.js';

export class ReportListQuery extends PageQuery {
  @EnumField(REPORT_STATUSES, { required: false, description: 'Only open or only resolved reports; both without it' })
  status?: ReportStatus;
}

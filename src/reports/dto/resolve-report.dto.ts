import { EnumField } from '../../common/validation/field.decorators.js';
import { REPORT_ACTIONS, type ReportAction } from '../report.types.js';

export class ResolveReportDto {
  @EnumField(REPORT_ACTIONS, {
    description:
      '`dismiss`: nothing; `delete_message`: tombstone the reported message (message reports only); `ban_user`: ban the reported user, or the sender of the reported message',
  })
  action: ReportAction;
}

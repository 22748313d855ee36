import { EnumField, StringField, UuidField } from '../../common/validation/field.decorators.js';
import { REPORT_NOTE_MAX, REPORT_REASONS, type ReportReason } from '../report.types.js';

/** Exactly one of `messageId` and `userId`. */
export class CreateReportDto {
  @UuidField({ required: false, description: 'The message to report (one you can see, not your own); or give `userId`' })
  messageId?: string;

  @UuidField({ required: false, description: 'The user to report; or give `messageId`' })
  userId?: string;

  @EnumField(REPORT_REASONS)
  reason: ReportReason;

  @StringField({
    required: false,
    max: REPORT_NOTE_MAX,
    humanText: true,
    description: 'What the admins should know',
    example: 'Sends the same link to everyone',
  })
  note?: string;
}

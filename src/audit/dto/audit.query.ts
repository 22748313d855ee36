import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { EnumField, UuidField } from '../../common/validation/field.decorators.js';
import { AUDIT_TYPES, type AuditType } from '../audit.types.js';

export class AuditQuery extends PageQuery {
  @UuidField({ required: false, description: 'Only what this admin did' })
  actorId?: string;

  @UuidField({ required: false, description: 'Only what was done to this user, message or report' })
  targetId?: string;

  @EnumField(AUDIT_TYPES, { required: false, description: 'Only this kind of action' })
  type?: AuditType;
}

import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { StringField } from '../../common/validation/field.decorators.js';

export class AdminUserSearchQuery extends PageQuery {
  @StringField({ required: false, max: 254, description: 'Prefix of the email, username or display name, any case' })
  search?: string;
}

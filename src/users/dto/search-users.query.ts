import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { StringField } from '../../common/validation/field.decorators.js';

export class SearchUsersQuery extends PageQuery {
  @StringField({ required: false, max: 64, description: 'Prefix of the username or display name, any case' })
  search?: string;
}

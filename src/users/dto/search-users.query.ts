import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { StringField } from '../../common/validation/field.decorators.js';

export class SearchUsersQuery extends PageQuery {
  @StringField({ max: 64, description: 'Prefix of the username or display name, any case. Required: the directory is searched, never listed' })
  search: string;
}

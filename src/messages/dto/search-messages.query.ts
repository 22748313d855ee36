import { PageQuery } from '../../common/pagination/page-query.dto.js';
import { StringField, UuidField } from '../../common/validation/field.decorators.js';

export class SearchMessagesQuery extends PageQuery {
  @StringField({ max: 100, description: 'Words or word beginnings, all of which must occur; CJK text matches anywhere' })
  q: string;

  @UuidField({ required: false, description: 'Search only this conversation' })
  conversationId?: string;
}

import { IntField } from '../../common/validation/field.decorators.js';
import { MAX_PAGE_SIZE } from '../../common/pagination/page-query.dto.js';

/** `?before=`, `?after=` or `?around=` (one of them), and `?limit=`; none gives the newest page. */
export class HistoryQuery {
  @IntField({ required: false, min: 1, fromQuery: true, description: 'Messages with a lower seq: the page just older than this seq' })
  before?: number;

  @IntField({ required: false, min: 0, fromQuery: true, description: 'Messages with a higher seq: the page just newer than this seq (0: from the start)' })
  after?: number;

  @IntField({
    required: false,
    min: 1,
    fromQuery: true,
    description:
      'Jump to a message: a page centred on this seq (half the page older, the rest from it on; near either end the page fills from the other side), with `hasMoreBefore` and `hasMoreAfter`',
    example: 42,
  })
  around?: number;

  @IntField({ required: false, min: 1, max: MAX_PAGE_SIZE, fromQuery: true, description: 'Page size, default 50' })
  limit?: number;
}

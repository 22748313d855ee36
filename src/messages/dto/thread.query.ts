import { MAX_PAGE_SIZE } from '../../common/pagination/page-query.dto.js';
import { IntField, UuidField } from '../../common/validation/field.decorators.js';
import { PageQuery } from '../../common/pagination/page-query.dto.js';

/** `?after=seq&limit=` of a thread's replies. */
export class ThreadQuery {
  @IntField({ required: false, min: 0, fromQuery: true, description: 'Replies with a higher seq (0, the default: from the first reply)' })
  after?: number;

  @IntField({ required: false, min: 1, max: MAX_PAGE_SIZE, fromQuery: true, description: 'Page size, default 50' })
  limit?: number;
}

/** `GET /threads`: the caller's threads, in every conversation or in one. */
export class ThreadListQuery extends PageQuery {
  @UuidField({ required: false, description: "Only this conversation's threads (a conversation the caller is in)" })
  conversationId?: string;
}

/** `POST …/thread/read`. */
export class ThreadReadDto {
  @IntField({ min: 0, description: 'The seq of the newest reply read; a lower one than before changes nothing', example: 42 })
  seq: number;
}

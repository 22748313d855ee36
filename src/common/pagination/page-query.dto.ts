import { IntField, StringField } from '../validation/field.decorators.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every cursor-paginated list. */
export class PageQuery {
  @IntField({ required: false, min: 1, max: MAX_PAGE_SIZE, fromQuery: true, description: `Page size, default ${DEFAULT_PAGE_SIZE}` })
  limit?: number;

  @StringField({ required: false, max: 512, description: 'The `nextCursor` of the previous page' })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

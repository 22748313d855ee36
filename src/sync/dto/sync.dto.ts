import { ApiProperty } from '@nestjs/swagger';
import { DURABLE_EVENT_TYPES, type DurableEventType } from '../../events/chat-events.js';
import { IntField, StringField } from '../../common/validation/field.decorators.js';

export const DEFAULT_SYNC_LIMIT = 100;
export const MAX_SYNC_LIMIT = 500;

export class SyncQuery {
  @StringField({
    required: false,
    max: 512,
    trim: false,
    description: 'The last cursor the client has (from /sync or from a realtime event). Without it: no events, just the current cursor',
  })
  since?: string;

  @IntField({ required: false, min: 1, max: MAX_SYNC_LIMIT, fromQuery: true, description: `Events per page, default ${DEFAULT_SYNC_LIMIT}` })
  limit?: number;
}

export class SyncEventDto {
  @ApiProperty({ enum: DURABLE_EVENT_TYPES })
  type: DurableEventType;

  @ApiProperty({ type: Object, description: 'Exactly what the realtime event of that name carries (see /docs/asyncapi.json)' })
  data: unknown;

  @ApiProperty({ description: 'The cursor just after this event; the same one its realtime emit carried' })
  cursor: string;
}

export class SyncResultDto {
  @ApiProperty({ type: [SyncEventDto], description: 'Oldest first' })
  events: SyncEventDto[];

  @ApiProperty({ description: 'Where the client now stands: pass it as `since` next time' })
  cursor: string;

  @ApiProperty({ description: 'More events follow: call again with `cursor` straight away' })
  hasMore: boolean;

  @ApiProperty({
    description:
      'The cursor is unknown, malformed or older than the retention window: refetch conversations and messages over REST, then carry on from `cursor`',
  })
  resyncRequired: boolean;
}

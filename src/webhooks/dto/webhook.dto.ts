import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUrl, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { DURABLE_EVENT_TYPES, type DurableEventType } from '../../events/chat-events.js';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { BooleanField, StringField, UuidField } from '../../common/validation/field.decorators.js';

export const WEBHOOK_URL_MAX = 2048;
const URL_RULES = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

function UrlField(required: boolean) {
  return (target: object, key: string) => {
    if (!required) IsOptional()(target, key);
    IsString()(target, key);
    MaxLength(WEBHOOK_URL_MAX)(target, key);
    IsUrl(URL_RULES, { message: 'url must be an http or https URL' })(target, key);
    ApiProperty({
      required,
      type: String,
      format: 'uri',
      maxLength: WEBHOOK_URL_MAX,
      example: 'https://hooks.example.com/chat',
      description: 'Where events are POSTed. Set by admins: loopback and private addresses are allowed (your own services)',
    })(target, key);
  };
}

function EventsField(required: boolean) {
  return (target: object, key: string) => {
    if (!required) IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMinSize(1)(target, key);
    ArrayMaxSize(DURABLE_EVENT_TYPES.length)(target, key);
    IsIn(DURABLE_EVENT_TYPES, { each: true })(target, key);
    ApiProperty({
      required,
      type: String,
      isArray: true,
      enum: DURABLE_EVENT_TYPES,
      minItems: 1,
      example: ['message.created', 'message.updated'],
      description: 'The durable event types to deliver',
    })(target, key);
  };
}

export class CreateWebhookDto {
  @UrlField(true)
  url: string;

  @EventsField(true)
  events: DurableEventType[];

  @UuidField({ required: false, description: "Only this conversation's events (and events to a user that name it)" })
  conversationId?: string;

  @StringField({ required: false, min: 16, max: 256, trim: false, description: 'The signing secret; one is generated when omitted. Shown only in this answer' })
  secret?: string;
}

export class UpdateWebhookDto {
  @UrlField(false)
  url?: string;

  @EventsField(false)
  events?: DurableEventType[];

  @UuidField({ required: false, nullable: true, description: 'null: every conversation' })
  conversationId?: string | null;

  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  @ApiProperty({
    required: false,
    type: String,
    minLength: 16,
    maxLength: 256,
    description: 'A new signing secret (rotation); answered once, in this response',
  })
  secret?: string;

  @BooleanField({ required: false, description: 'false disables it; true re-enables it, resuming from where it stopped (nothing in between is lost)' })
  enabled?: boolean;
}

export class ReplayWebhookDto {
  @StringField({ max: 512, description: 'A cursor (a delivery body’s `cursor`, or one from `/sync`): every matching event after it is delivered again' })
  fromCursor: string;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uri' })
  url: string;

  @ApiProperty({ type: String, isArray: true, enum: DURABLE_EVENT_TYPES })
  events: DurableEventType[];

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  conversationId: string | null;

  @ApiProperty({ enum: ['active', 'disabled'] })
  status: 'active' | 'disabled';

  @ApiProperty({ type: String, nullable: true, enum: ['failures', 'admin'], description: 'Why it is disabled' })
  disabledReason: 'failures' | 'admin' | null;

  @ApiProperty({ description: 'Cursor up to which events have been dispatched to it' })
  cursor: string;

  @ApiProperty({ required: false, description: 'The signing secret: only in the answer that set it' })
  secret?: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class WebhookPageDto implements Page<WebhookDto> {
  @ApiProperty({ type: [WebhookDto] })
  items: WebhookDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the `x-chat-delivery` header of its requests' })
  id: string;

  @ApiProperty({ description: 'The event’s id (the body’s `id`): the same for every attempt and replay of one event' })
  eventId: string;

  @ApiProperty({ enum: DURABLE_EVENT_TYPES })
  eventType: string;

  @ApiProperty({ description: 'The event’s cursor (the body’s `cursor`)' })
  cursor: string;

  @ApiProperty({ description: 'Attempts made so far' })
  attempt: number;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description: '`failed`: the last attempt failed and another is due at `nextAttemptAt`; `dead`: WEBHOOK_MAX_ATTEMPTS failed',
  })
  status: (typeof DELIVERY_STATUSES)[number];

  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status of the last attempt; null when none came (timeout, refused)' })
  responseStatus: number | null;

  @ApiProperty({ type: Number, nullable: true })
  latencyMs: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed without a status (`timeout`, a connection error)' })
  error: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The earliest time of the next attempt (backoff with jitter)' })
  nextAttemptAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt: string | null;
}

export class WebhookDeliveryPageDto implements Page<WebhookDeliveryDto> {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  items: WebhookDeliveryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

/** `webhook.disabled`, to every admin: a webhook that kept failing was switched off. */
export class WebhookDisabledEventDto {
  @ApiProperty({ format: 'uuid' })
  webhookId: string;

  @ApiProperty({ format: 'uri' })
  url: string;

  @ApiProperty({ enum: ['failures'] })
  reason: 'failures';

  @ApiProperty({ description: 'Dead deliveries in a row that caused it' })
  deadDeliveries: number;
}

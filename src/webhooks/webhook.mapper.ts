import type { DurableEventType } from '../events/chat-events.js';
import type { WebhookDeliveryDto, WebhookDto } from './dto/webhook.dto.js';
import type { WebhookDelivery } from './webhook-delivery.entity.js';
import type { Webhook } from './webhook.entity.js';

/** `encode` turns an event-log position into the public cursor (SyncCursors). */
/** The body's `id`: one per event of the log, the same in every attempt and every replay. */
export const eventIdOf = (position: string) => `evt_${position}`;

export function toWebhook(webhook: Webhook, encode: (position: string) => string, { withSecret = false } = {}): WebhookDto {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events as DurableEventType[],
    conversationId: webhook.conversationId,
    status: webhook.status,
    disabledReason: webhook.disabledReason as WebhookDto['disabledReason'],
    cursor: encode(webhook.cursor),
    ...(withSecret ? { secret: webhook.secret } : {}),
    createdAt: webhook.createdAt.toISOString(),
    updatedAt: webhook.updatedAt.toISOString(),
  };
}

export function toDelivery(delivery: WebhookDelivery, encode: (position: string) => string): WebhookDeliveryDto {
  return {
    id: delivery.id,
    eventId: eventIdOf(delivery.position),
    eventType: delivery.eventType,
    cursor: encode(delivery.position),
    attempt: delivery.attempt,
    status: delivery.status,
    responseStatus: delivery.responseStatus,
    latencyMs: delivery.latencyMs,
    error: delivery.error,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
  };
}

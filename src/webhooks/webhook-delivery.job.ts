import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { EventLog } from '../events/event-log.service.js';
import type { JobContext } from '../jobs/job-definition.js';
import { Jobs } from '../jobs/jobs.service.js';
import { SyncCursors } from '../sync/sync-cursors.js';
import { UsersRepository } from '../users/users.repository.js';
import type { WebhookDisabledEventDto } from './dto/webhook.dto.js';
import { WEBHOOK_DELIVER, webhookJobs, type WebhookJobs } from './webhook-jobs.js';
import { signatureHeader } from '../common/http/signature.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import type { WebhookDelivery } from './webhook-delivery.entity.js';
import { eventIdOf } from './webhook.mapper.js';
import type { Webhook } from './webhook.entity.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** What one attempt learned. */
interface Attempt {
  ok: boolean;
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

/** Answers bigger than this are not read further (we only need the status). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Sends one delivery: the event as the log holds it now (an edit or delete since reached it), signed,
 * with a per-attempt time limit. Any 2xx is success; anything else (another status, a redirect, a
 * timeout, a refused connection) is recorded and retried by the queue, in order per conversation; the
 * last attempt marks the delivery `dead` and counts against the webhook, which is disabled — with a
 * `webhook.disabled` event to every admin — after WEBHOOK_DISABLE_AFTER dead deliveries in a row.
 */
@Injectable()
export class WebhookDeliveryJob implements OnModuleInit {
  private readonly logger = new Logger(WebhookDeliveryJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly log: EventLogRepository,
    private readonly eventLog: EventLog,
    private readonly cursors: SyncCursors,
    private readonly users: UsersRepository,
  ) {}

  async onModuleInit() {
    const jobs: WebhookJobs = await this.jobs.define(webhookJobs(this.config.webhooks));
    await jobs.registerHandler(WEBHOOK_DELIVER, ({ deliveryId }, context) => this.deliver(deliveryId, context));
  }

  private async deliver(deliveryId: string, { attempt, attempts, signal }: JobContext): Promise<void> {
    const delivery = await this.deliveries.find(deliveryId);
    // Its webhook was deleted (the deliveries went with it), or a crash came after the success was recorded.
    if (!delivery || delivery.status === 'delivered' || delivery.status === 'dead') return;
    const webhook = await this.webhooks.find(delivery.webhookId);
    if (!webhook) return;
    const [event] = await this.log.between(BigInt(delivery.position) - 1n, BigInt(delivery.position), 1);
    if (!event) {
      await this.deliveries.record(undefined, deliveryId, {
        status: 'dead',
        attempt,
        error: 'the event is no longer in the log (SYNC_RETENTION)',
        nextAttemptAt: null,
      });
      return;
    }
    const cursor = this.cursors.encode(event.position);
    const body = JSON.stringify({ id: eventIdOf(event.position), type: event.type, data: event.data, cursor, createdAt: event.createdAt.toISOString() });
    const outcome = await this.post(webhook, deliveryId, body, signal);
    if (outcome.ok) {
      await this.dataSource.transaction(async (manager) => {
        await this.deliveries.record(manager, deliveryId, { status: 'delivered', attempt, ...fields(outcome), nextAttemptAt: null, deliveredAt: new Date() });
        await this.webhooks.resetDead(manager, webhook.id);
      });
      return;
    }
    if (attempt < attempts) {
      await this.deliveries.record(undefined, deliveryId, { status: 'failed', attempt, ...fields(outcome), nextAttemptAt: this.earliestRetry(attempt) });
      throw new Error(`webhook delivery ${deliveryId} failed: ${outcome.error ?? `HTTP ${outcome.responseStatus}`}`);
    }
    await this.bury(webhook, delivery, attempt, outcome);
  }

  /** The last attempt failed: `dead`, and the webhook disabled once too many died in a row. */
  private async bury(webhook: Webhook, delivery: WebhookDelivery, attempt: number, outcome: Attempt): Promise<void> {
    const disabled = await this.dataSource.transaction(async (manager) => {
      await this.deliveries.record(manager, delivery.id, { status: 'dead', attempt, ...fields(outcome), nextAttemptAt: null });
      const dead = await this.webhooks.countDead(manager, webhook.id);
      const current = await this.webhooks.lock(manager, webhook.id);
      if (!current || current.status !== 'active' || dead < this.config.webhooks.disableAfterDead) return false;
      await this.webhooks.update(manager, webhook.id, { status: 'disabled', disabledReason: 'failures' });
      const data: WebhookDisabledEventDto = { webhookId: webhook.id, url: webhook.url, reason: 'failures', deadDeliveries: dead };
      const admins = await this.users.adminIds(manager);
      await this.eventLog.append(manager, ...admins.map((userId) => ({ type: 'webhook.disabled' as const, userId, data })));
      return true;
    });
    this.logger.warn(`webhook ${webhook.id}: delivery ${delivery.id} is dead after ${attempt} attempts${disabled ? '; the webhook is disabled' : ''}`);
    if (disabled) this.eventLog.kick();
  }

  private async post(webhook: Webhook, deliveryId: string, body: string, signal: AbortSignal): Promise<Attempt> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.webhooks.timeoutMs)]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chat-backend-webhooks/1',
          'x-chat-signature': signatureHeader(webhook.secret, body),
          'x-chat-delivery': deliveryId,
        },
      });
      await drain(response);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, responseStatus: response.status, latencyMs: latency(), error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      const name = (error as Error).name;
      const reason = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : describe(error);
      return { ok: false, responseStatus: null, latencyMs: latency(), error: reason };
    }
  }

  /** The soonest the queue runs attempt `attempt + 1` (its backoff: delay × 2^(n-1) up to twice that, capped). */
  private earliestRetry(attempt: number): Date {
    const { retryDelaySeconds, retryMaxDelaySeconds } = this.config.webhooks;
    const seconds = Math.min(retryMaxDelaySeconds, retryDelaySeconds * 2 ** (attempt - 1));
    return new Date(Date.now() + seconds * 1000);
  }
}

const fields = ({ responseStatus, latencyMs, error }: Attempt) => ({ responseStatus, latencyMs, error });

/** Reads (and drops) at most MAX_ANSWER_BYTES of the answer, so the connection can be reused. */
async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read < MAX_ANSWER_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The status is what counts; a broken answer body changes nothing.
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (cause?.code ?? cause?.message ?? (error as Error).message ?? 'request failed').slice(0, 200);
}

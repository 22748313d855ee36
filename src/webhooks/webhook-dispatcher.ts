import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { EVENTS_SEQUENCED, type SequencedEvent } from '../events/chat-events.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { Jobs } from '../jobs/jobs.service.js';
import { orderedJobId } from '../jobs/ordered-job-id.js';
import { WEBHOOK_DELIVER, type WebhookJobs } from './webhook-jobs.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import type { Webhook } from './webhook.entity.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** Events read per webhook per transaction. */
const BATCH_SIZE = 200;

/** `<conversationId>`, or `user:<userId>` for an event to one user: what deliveries are ordered by. */
export const orderingKeyOf = (event: SequencedEvent) => event.conversationId ?? `user:${event.userId}`;

function matches(webhook: Webhook, event: SequencedEvent): boolean {
  if (!webhook.events.includes(event.type)) return false;
  if (!webhook.conversationId) return true;
  if (event.conversationId) return event.conversationId === webhook.conversationId;
  return (event.data as { conversationId?: unknown } | null)?.conversationId === webhook.conversationId;
}

/**
 * Turns the event log into deliveries. Each webhook has a cursor; a pass reads the log past it and, in
 * one transaction that holds the webhook's row, inserts a delivery and enqueues its job for every
 * matching event and moves the cursor. So an event is dispatched exactly once per pass over it, however
 * many instances run (the row lock is taken with SKIP LOCKED: another instance is doing it), and a
 * crash before the commit leaves the cursor where it was. Positions are given after commit in commit
 * order, so nothing can appear behind a cursor. Runs on instances with job workers, after every batch
 * this instance sequences and every WEBHOOK_DISPATCH_INTERVAL_MS (batches other instances sequenced).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private running: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private active = false;
  /** The furthest position sequenced batches announced since the last pass started. */
  private through: bigint | null = null;
  /** A pass was asked for with no position (the timer, start-up): read the log's head. */
  private readHead = false;
  /**
   * Until when the last pass found no active webhook at all: the batches sequenced meanwhile need no
   * look-up each. A pass asked for with no position (the timer, a webhook made or resumed here) still looks.
   */
  private noneActiveUntil = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly log: EventLogRepository,
    private readonly jobs: Jobs,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.jobs.workers) return;
    this.active = true;
    this.timer = setInterval(() => this.kick(), this.config.webhooks.dispatchIntervalMs).unref();
    this.kick();
  }

  async onApplicationShutdown() {
    this.active = false;
    clearInterval(this.timer);
    await this.running;
  }

  /** A batch this instance sequenced says how far the log goes: its pass needs no look-up of the head. */
  @OnEvent(EVENTS_SEQUENCED)
  onSequenced(batch: SequencedEvent[]) {
    if (batch.length) this.kick(BigInt(batch[batch.length - 1].position));
  }

  /**
   * A pass soon, up to `through` (else up to the log's head, read first); passes never overlap on one
   * instance. Never throws.
   */
  kick(through?: bigint): void {
    if (!this.active) return;
    if (through !== undefined && Date.now() < this.noneActiveUntil) return;
    if (through === undefined) this.readHead = true;
    else if (this.through === null || through > this.through) this.through = through;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.logger.warn(`webhook dispatch failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          // What was asked for meanwhile (a position, or a read of the head) is still in `through`/`readHead`.
          this.kick(this.readHead ? undefined : (this.through ?? undefined));
        }
      });
  }

  private async pass(): Promise<void> {
    const known = this.through;
    const readHead = this.readHead || known === null;
    this.through = null;
    this.readHead = false;
    const head = readHead ? await this.log.head() : known!;
    const webhooks = await this.webhooks.active();
    this.noneActiveUntil = webhooks.length ? 0 : Date.now() + this.config.webhooks.dispatchIntervalMs;
    for (const { id, cursor } of webhooks) {
      if (BigInt(cursor) >= head) continue;
      while (this.active && (await this.dispatch(id, head)) === 'more');
    }
  }

  /** One batch for one webhook: 'more' when the batch was full. */
  private async dispatch(webhookId: string, head: bigint): Promise<'more' | 'done'> {
    const seen = await this.webhooks.find(webhookId);
    if (!seen || seen.status !== 'active' || BigInt(seen.cursor) >= head) return 'done';
    const events = await this.log.between(BigInt(seen.cursor), head, BATCH_SIZE);
    const full = events.length === BATCH_SIZE;
    const through = full ? events[events.length - 1].position : head.toString();
    return this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.lock(manager, webhookId, { skipLocked: true });
      // Another instance holds it, or it changed (replayed, disabled, dispatched) since we read: next pass.
      if (!webhook || webhook.status !== 'active' || webhook.cursor !== seen.cursor) return 'done';
      const matching = events.filter((event) => matches(webhook, event));
      if (matching.length) {
        const ids = await this.deliveries.insert(
          manager,
          matching.map((event) => ({
            webhookId,
            position: event.position,
            eventType: event.type,
            orderingKey: orderingKeyOf(event),
          })),
        );
        const jobs = this.jobs as unknown as WebhookJobs;
        for (const [index, deliveryId] of ids.entries()) {
          await jobs.enqueue(
            WEBHOOK_DELIVER,
            { deliveryId },
            {
              manager,
              singletonKey: `${webhookId}:${orderingKeyOf(matching[index])}`,
              id: orderedJobId(),
            },
          );
        }
      }
      await this.webhooks.update(manager, webhookId, { cursor: through });
      return full ? 'more' : 'done';
    });
  }
}

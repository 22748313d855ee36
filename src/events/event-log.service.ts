import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { EVENTS_SEQUENCED, type MessageRewrite, type NewChatEvent, type SequencedEvent } from './chat-events.js';
import { EVENT_STAGE_SECONDS } from './event-log.metrics.js';
import { EventLogRepository } from './event-log.repository.js';

const BATCH_SIZE = 500;
/** Safety net for events whose writer died between commit and kick. */
const POLL_INTERVAL_MS = 500;
const RETRY_DELAY_MS = 10;

/**
 * Owns the event log. Services call `append` inside their transaction and `kick` after it commits;
 * the sequencer assigns positions to committed events in batches under an advisory lock, then
 * announces each batch in order (`EVENTS_SEQUENCED`) for the realtime gateway to deliver.
 */
@Injectable()
export class EventLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventLog.name);
  private running: Promise<void> | null = null;
  private again = false;
  private poller?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly repository: EventLogRepository,
    private readonly emitter: EventEmitter2,
    @InjectMetric(EVENT_STAGE_SECONDS) private readonly stages: Histogram<'stage'>,
  ) {}

  onApplicationBootstrap() {
    this.poller = setInterval(() => this.kick(), POLL_INTERVAL_MS).unref();
  }

  async onApplicationShutdown() {
    this.stopped = true;
    clearInterval(this.poller);
    await this.running;
    await this.repository.closeSequencer();
  }

  /**
   * Records events as part of the caller's transaction: they exist if and only if the change does.
   * Answers their ids, in order (a join records its event's id on the membership).
   */
  async append(manager: EntityManager, ...events: NewChatEvent[]): Promise<string[]> {
    if (!events.length) return [];
    return this.repository.append(manager, events);
  }

  /** The log forgets: an edit or delete reaches every earlier event that embeds the message. */
  rewriteMessage(manager: EntityManager, messageId: string, rewrite: MessageRewrite): Promise<void> {
    return this.repository.rewriteMessage(manager, messageId, rewrite);
  }

  /** Asks for newly committed events to be sequenced and delivered soon; never throws. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once everything committed before the call has been sequenced and announced. */
  async flush(): Promise<void> {
    for (;;) {
      while (this.running) await this.running;
      this.kick();
      // TypeScript still narrows `running` to null from the loop above; kick() has just set it.
      // eslint-disable-next-line @typescript-eslint/await-thenable
      while (this.running) await this.running;
      if (!(await this.repository.hasUnsequenced())) return;
      // Committed since our last batch began, or that batch failed: look again shortly.
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const started = Date.now();
        const batch = await this.repository.sequenceBatch(BATCH_SIZE);
        if (batch.length) {
          this.timed(batch, started);
          this.emitter.emit(EVENTS_SEQUENCED, batch);
        }
        if (batch.length < BATCH_SIZE) return;
      }
    } catch (error) {
      // The database may be away; the poller tries again, nothing is lost because rows stay unsequenced.
      this.logger.warn(`sequencing failed: ${(error as Error).message}`);
    }
  }

  /** Stamps the batch as sequenced now and observes its first two stages. */
  private timed(batch: SequencedEvent[], started: number): void {
    const sequencedAt = Date.now();
    const sequencing = (sequencedAt - started) / 1000;
    for (const event of batch) {
      event.sequencedAt = sequencedAt;
      this.stages.observe({ stage: 'to_sequencer' }, Math.max(0, (started - event.createdAt.getTime()) / 1000));
      this.stages.observe({ stage: 'sequencer' }, sequencing);
    }
  }
}

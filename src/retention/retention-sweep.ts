import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { Jobs } from '../jobs/jobs.service.js';
import type { SweptMedia } from '../media/media.repository.js';
import { UnreferencedMedia } from '../media/unreferenced-media.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import {
  RETENTION_BATCHES,
  RETENTION_DELETED,
  RETENTION_SWEEP_CONVERSATIONS,
  RETENTION_SWEEP_LAST_COMPLETED,
  RETENTION_SWEEP_RUNNING,
} from './retention.metrics.js';
import { RetentionRepository, type SweepTarget } from './retention.repository.js';

const DAY_MS = 24 * 3600 * 1000;
/** Conversations read per page while walking them by id. */
const TARGET_PAGE = 500;
const BEFORE_EVERY_ID = '00000000-0000-0000-0000-000000000000';

export interface SweepResult {
  conversations: number;
  messages: number;
  events: number;
  media: number;
}

interface BatchResult {
  locked: number;
  messages: number;
  events: number;
  media: SweptMedia[];
}

/**
 * The `retention.sweep` job: walks the conversations that have a policy (every one, when the global
 * policy keeps N days) and deletes each one's messages older than its policy, `RETENTION_BATCH_SIZE`
 * per transaction — the messages, the events that embed them, and the uploads nothing references any
 * more (their files after the commit). Each batch is a short transaction on
 * `message_conversation_created_idx` that skips rows others hold and never touches the conversation
 * row sends lock, so sends never wait for it. Everything is committed batch by batch and found again by
 * age, so a run killed half-way is simply resumed by the retry.
 */
@Injectable()
export class RetentionSweep implements OnModuleInit {
  private readonly logger = new Logger(RetentionSweep.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: Jobs,
    private readonly policies: RetentionRepository,
    private readonly messages: MessagesRepository,
    private readonly eventLog: EventLogRepository,
    private readonly unreferencedMedia: UnreferencedMedia,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
    @InjectMetric(RETENTION_DELETED) private readonly deleted: Counter<string>,
    @InjectMetric(RETENTION_BATCHES) private readonly batches: Counter<string>,
    @InjectMetric(RETENTION_SWEEP_RUNNING) private readonly running: Gauge<string>,
    @InjectMetric(RETENTION_SWEEP_CONVERSATIONS) private readonly conversationsChecked: Gauge<string>,
    @InjectMetric(RETENTION_SWEEP_LAST_COMPLETED) private readonly lastCompleted: Gauge<string>,
  ) {}

  onModuleInit() {
    return this.jobs.registerHandler('retention.sweep', async (_payload, { signal }) => {
      const result = await this.sweep(signal);
      if (result.messages) this.logger.log(`retention deleted ${result.messages} message(s) in ${result.conversations} conversation(s)`);
    });
  }

  async sweep(signal?: AbortSignal): Promise<SweepResult> {
    const now = this.clock.now().getTime();
    const globalDays = (await this.policies.findGlobal())?.days ?? null;
    const result: SweepResult = { conversations: 0, messages: 0, events: 0, media: 0 };
    this.running.set(1);
    this.conversationsChecked.set(0);
    try {
      let after = BEFORE_EVERY_ID;
      for (;;) {
        const targets = await this.policies.sweepTargets(after, TARGET_PAGE, globalDays);
        const expired = await this.messages.withExpired(targets, new Date(now));
        for (const target of targets) {
          if (expired.has(target.conversationId)) await this.sweepConversation(target, now, result, signal);
          result.conversations += 1;
          this.conversationsChecked.inc();
        }
        if (targets.length < TARGET_PAGE) break;
        after = targets[targets.length - 1].conversationId;
      }
      this.lastCompleted.set(Math.floor(this.clock.now().getTime() / 1000));
      return result;
    } finally {
      this.running.set(0);
    }
  }

  private async sweepConversation({ conversationId, days }: SweepTarget, now: number, result: SweepResult, signal?: AbortSignal) {
    const before = new Date(now - days * DAY_MS);
    for (;;) {
      // Given back to the queue at shutdown: the retry resumes from what is still there.
      signal?.throwIfAborted();
      const batch = await this.deleteBatch(conversationId, before);
      if (!batch.locked) return;
      await this.unreferencedMedia.removeFiles(batch.media);
      this.batches.inc();
      this.deleted.inc({ kind: 'messages' }, batch.messages);
      this.deleted.inc({ kind: 'events' }, batch.events);
      this.deleted.inc({ kind: 'media' }, batch.media.length);
      result.messages += batch.messages;
      result.events += batch.events;
      result.media += batch.media.length;
      if (batch.locked < this.config.retention.batchSize) return;
    }
  }

  private deleteBatch(conversationId: string, before: Date): Promise<BatchResult> {
    return this.dataSource.transaction(async (manager) => {
      const ids = await this.messages.lockExpired(manager, conversationId, before, this.config.retention.batchSize);
      if (!ids.length) return { locked: 0, messages: 0, events: 0, media: [] };
      const mediaIds = await this.messages.attachedMediaIds(manager, ids);
      const events = await this.eventLog.deleteForMessages(manager, ids);
      const messages = await this.messages.deleteForGood(manager, ids);
      const media = await this.unreferencedMedia.deleteWithin(manager, mediaIds);
      return { locked: ids.length, messages, events, media };
    });
  }
}

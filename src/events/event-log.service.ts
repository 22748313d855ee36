import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ChatEvent } from './chat-event.entity.js';
import { EVENTS_SEQUENCED, type NewChatEvent, type SequencedEvent } from './chat-events.js';

/** Any number that is the same on every instance: the advisory lock that makes one sequencer run at a time. */
const SEQUENCER_LOCK = 0x63686174; // "chat"
const BATCH_SIZE = 500;
/** Safety net for events whose writer died between commit and kick, or whose kick lost the lock race. */
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly emitter: EventEmitter2,
  ) {}

  onApplicationBootstrap() {
    this.poller = setInterval(() => this.kick(), POLL_INTERVAL_MS).unref();
  }

  async onApplicationShutdown() {
    this.stopped = true;
    clearInterval(this.poller);
    await this.running;
  }

  /** Records an event as part of the caller's transaction: it exists if and only if the change does. */
  async append(manager: EntityManager, ...events: NewChatEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.insert(
      ChatEvent,
      events.map((event) => ({ type: event.type, conversationId: event.conversationId ?? null, userId: event.userId ?? null, data: event.data })),
    );
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
      const pending = await this.dataSource.query(`SELECT 1 FROM chat_event WHERE position IS NULL LIMIT 1`);
      if (!pending.length) return;
      // Another instance is sequencing them right now.
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const batch = await this.sequenceBatch();
        if (batch === null) {
          // Another instance holds the lock and may have missed our events: look again shortly.
          setTimeout(() => this.kick(), RETRY_DELAY_MS).unref();
          return;
        }
        if (batch.length) this.emitter.emit(EVENTS_SEQUENCED, batch);
        if (batch.length < BATCH_SIZE) return;
      }
    } catch (error) {
      // The database may be away; the poller tries again, nothing is lost because rows stay unsequenced.
      this.logger.warn(`sequencing failed: ${(error as Error).message}`);
    }
  }

  /** One batch in one transaction; null when another instance is sequencing right now. */
  private sequenceBatch(): Promise<SequencedEvent[] | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SEQUENCER_LOCK]);
      if (!locked) return null;
      // TypeORM answers an UPDATE with [rows, affected count].
      const [rows]: [
        Array<{ position: string; type: SequencedEvent['type']; conversation_id: string | null; user_id: string | null; data: unknown; created_at: Date }>,
      ] =
        await manager.query(
          `UPDATE chat_event e SET position = s.position
             FROM (SELECT id, nextval('chat_event_position_seq') AS position
                     FROM (SELECT id FROM chat_event WHERE position IS NULL ORDER BY id LIMIT $1) pending) s
            WHERE e.id = s.id
        RETURNING e.position, e.type, e.conversation_id, e.user_id, e.data, e.created_at`,
          [BATCH_SIZE],
        );
      return rows
        .map((row) => ({
          position: String(row.position),
          type: row.type,
          conversationId: row.conversation_id,
          userId: row.user_id,
          data: row.data,
          createdAt: new Date(row.created_at),
        }))
        .sort((a, b) => Number(BigInt(a.position) - BigInt(b.position)));
    });
  }
}

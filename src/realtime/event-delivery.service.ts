import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import { EVENTS_SEQUENCED, type SequencedEvent } from '../events/chat-events.js';
import { EVENT_STAGE_SECONDS } from '../events/event-log.metrics.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { SharedState } from '../shared-state/shared-state.js';
import { projectForViewer, reactorsOf } from '../sync/event-projection.js';
import { SyncCursors } from '../sync/sync-cursors.js';
import type { DurableServerEvent, ServerEventPayload } from './events.map.js';
import type { ChatServer } from './realtime-server.js';
import { RealtimeServer } from './realtime-server.js';
import { EVENT_DELIVERY_SECONDS } from './realtime.metrics.js';
import { RoomSync } from './room-sync.service.js';
import { conversationRoom, userRoom } from './rooms.js';
import { MediaUrls } from '../media/media-urls.js';

/** Where sequenced batches go to every instance. */
const SEQUENCED_CHANNEL = 'events:sequenced';
/** How often an instance compares the log's head with what it delivered (missed publishes, Redis away). */
const CATCH_UP_INTERVAL_MS = 500;
const CATCH_UP_PAGE = 500;
/** Further behind than this, reading the log back is worse than asking the clients to /sync. */
const MAX_CATCH_UP = 5_000;

type Target = ReturnType<ChatServer['to']>;

/**
 * Realtime delivery of the event log, on every instance to its own sockets, in position order. The
 * instance that sequenced a batch delivers it at once and publishes it to the others; each instance
 * checks every position against what it delivered: a gap (a batch that took another way, a publish that
 * failed, Redis away) is read back from the log before going on, and so is anything the log's head shows
 * beyond what was delivered (looked at every half second). Far behind, its sockets get `sync.required`.
 *
 * Each event goes to the local sockets in its room except those whose users may not receive it
 * (`RoomSync.mayReceive`: membership as of that position), one encode per room, each with `{ cursor }`.
 * Events whose data names who reacted are projected per recipient: the room gets the version for people
 * who did not react, each reacting member gets its own on its user room instead.
 */
@Injectable()
export class EventDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventDelivery.name);
  /** Batches are delivered one after the other, even when projecting or catching up has to ask the database. */
  private queue: Promise<void> = Promise.resolve();
  /** The highest position this instance has delivered (or skipped, being too far behind). */
  private delivered: bigint | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly cursors: SyncCursors,
    private readonly rooms: RoomSync,
    private readonly log: EventLogRepository,
    private readonly state: SharedState,
    @InjectMetric(EVENT_DELIVERY_SECONDS) private readonly latency: Histogram<string>,
    @InjectMetric(EVENT_STAGE_SECONDS) private readonly stages: Histogram<'stage'>,
    private readonly urls: MediaUrls,
  ) {}

  async onApplicationBootstrap() {
    this.delivered = await this.log.head();
    if (this.state.spansInstances) await this.state.subscribe(SEQUENCED_CHANNEL, (message) => this.received(message));
    this.timer = setInterval(() => this.enqueue(() => this.catchUp()), CATCH_UP_INTERVAL_MS).unref();
  }

  onModuleDestroy() {
    clearInterval(this.timer);
  }

  /** On the instance that sequenced the batch: deliver here now, and tell the others. */
  @OnEvent(EVENTS_SEQUENCED)
  onSequenced(batch: SequencedEvent[]): void {
    this.enqueue(() => this.deliverBatch(batch));
    // Alone (no Redis), other instances of a test or a mistaken deployment still catch up from the log.
    if (!this.state.spansInstances) return;
    this.state.publish(SEQUENCED_CHANNEL, JSON.stringify(batch)).catch((error: unknown) => {
      // The others find these events in the log (head check); nothing else to do here.
      this.logger.warn(`publishing sequenced events failed: ${(error as Error).message}`);
    });
  }

  /** Resolves once everything announced so far has been emitted. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private received(message: string): void {
    try {
      const batch = (JSON.parse(message) as Array<SequencedEvent & { createdAt: string }>).map((event) => ({ ...event, createdAt: new Date(event.createdAt) }));
      this.enqueue(() => this.deliverBatch(batch));
    } catch {
      this.logger.warn('Ignored a malformed batch of sequenced events');
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((error: unknown) => this.logger.warn(`event delivery: ${(error as Error).message}`));
  }

  private async deliverBatch(batch: SequencedEvent[]): Promise<void> {
    if (this.delivered === null || !batch.length) return;
    const first = BigInt(batch[0].position);
    if (first > this.delivered + 1n) await this.catchUp(first - 1n);
    for (const event of batch) await this.deliverNext(event);
  }

  /** Reads what the log holds beyond what was delivered (up to `through`, else its head) and delivers it. */
  private async catchUp(through?: bigint): Promise<void> {
    if (this.delivered === null) return;
    const head = through ?? (await this.log.head());
    if (head - this.delivered > MAX_CATCH_UP) {
      this.logger.warn(`${head - this.delivered} events behind: asking this instance's sockets to /sync`);
      this.delivered = head;
      this.realtime.server?.local.emit('sync.required', { reason: 'events_missed' });
      return;
    }
    while (this.delivered < head) {
      const events = await this.log.between(this.delivered, head, CATCH_UP_PAGE);
      if (!events.length) {
        this.delivered = head; // positions a failed sequencing used up: nothing was ever there
        return;
      }
      for (const event of events) await this.deliverNext(event);
    }
  }

  private async deliverNext(event: SequencedEvent): Promise<void> {
    const position = BigInt(event.position);
    if (this.delivered === null || position <= this.delivered) return;
    this.delivered = position;
    try {
      this.deliver(event, position);
    } catch (error) {
      // The event stays in the log: its recipients get it from /sync.
      this.logger.warn(`delivering event ${event.position} (${event.type}) failed: ${(error as Error).message}`);
    }
  }

  private deliver(event: SequencedEvent, position: bigint): void {
    this.rooms.follow(event);
    const server = this.realtime.server;
    if (!server) return;
    const started = Date.now();
    if (event.sequencedAt !== undefined) this.stages.observe({ stage: 'to_emit' }, Math.max(0, (started - event.sequencedAt) / 1000));
    const meta = { cursor: this.cursors.encode(event.position) };
    const type = event.type as DurableServerEvent;
    if (event.userId) {
      emit(server.local.to(userRoom(event.userId)), type, projectForViewer(event.type, event.data, event.userId, this.urls), meta);
    } else if (event.conversationId) {
      this.deliverToConversation(server, event, position, type, meta);
    }
    const emitted = Date.now();
    this.stages.observe({ stage: 'emit' }, (emitted - started) / 1000);
    this.latency.observe({ type: event.type }, Math.max(0, (emitted - event.createdAt.getTime()) / 1000));
  }

  private deliverToConversation(server: ChatServer, event: SequencedEvent, position: bigint, type: DurableServerEvent, meta: { cursor: string }) {
    const conversationId = event.conversationId!;
    const excluded = this.rooms.excludedSockets(conversationId, position);
    const reactors = reactorsOf(event.type, event.data).filter((userId) => this.rooms.mayReceive(userId, conversationId, position));
    const room = server.local.to(conversationRoom(conversationId));
    const except = [...excluded, ...reactors.map(userRoom)];
    emit(except.length ? room.except(except) : room, type, projectForViewer(event.type, event.data, null, this.urls), meta);
    for (const userId of reactors)
      emit(server.local.to(userRoom(userId)).except(excluded), type, projectForViewer(event.type, event.data, userId, this.urls), meta);
  }
}

/** The one untyped step: the log's data is `unknown`; the socket tests check every emit against the schemas. */
function emit<E extends DurableServerEvent>(target: Target, type: E, data: unknown, meta: { cursor: string }) {
  (target.emit as (event: E, payload: ServerEventPayload<E>, meta: { cursor: string }) => boolean)(type, data as ServerEventPayload<E>, meta);
}

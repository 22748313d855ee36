import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import { MembershipService } from '../conversations/membership.service.js';
import { EVENTS_SEQUENCED, type SequencedEvent } from '../events/chat-events.js';
import { projectForViewer, reactorsOf } from '../sync/event-projection.js';
import { SyncCursors } from '../sync/sync-cursors.js';
import type { DurableServerEvent, ServerEventPayload } from './events.map.js';
import type { ChatServer } from './realtime-server.js';
import { RealtimeServer } from './realtime-server.js';
import { EVENT_DELIVERY_SECONDS } from './realtime.metrics.js';
import { conversationRoom, userRoom } from './rooms.js';

type Target = ReturnType<ChatServer['to']>;

/**
 * Realtime delivery of the event log. The sequencer announces each batch of committed events once, on
 * the instance that sequenced it; this emits them in position order through the adapter (so they reach
 * every instance), each with `{ cursor }`. Delivery therefore always follows the commit, and a socket
 * gets exactly the events /sync would give it for the same span.
 *
 * Events whose data names who reacted are projected per recipient: the room gets the version for people
 * who did not react, each reacting member gets its own on its user room instead.
 */
@Injectable()
export class EventDelivery {
  private readonly logger = new Logger(EventDelivery.name);
  /** Batches are delivered one after the other, even when projecting one has to ask the database. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly cursors: SyncCursors,
    private readonly membership: MembershipService,
    @InjectMetric(EVENT_DELIVERY_SECONDS) private readonly latency: Histogram<string>,
  ) {}

  @OnEvent(EVENTS_SEQUENCED)
  onSequenced(batch: SequencedEvent[]): void {
    this.queue = this.queue.then(() => this.deliverAll(batch));
  }

  /** Resolves once everything announced so far has been emitted. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private async deliverAll(batch: SequencedEvent[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.deliver(event);
      } catch (error) {
        // The event stays in the log: its recipients get it from /sync.
        this.logger.warn(`delivering event ${event.position} (${event.type}) failed: ${(error as Error).message}`);
      }
    }
  }

  private async deliver(event: SequencedEvent): Promise<void> {
    const server = this.realtime.server;
    if (!server) return;
    const meta = { cursor: this.cursors.encode(event.position) };
    const type = event.type as DurableServerEvent;
    if (event.userId) {
      emit(server.to(userRoom(event.userId)), type, projectForViewer(event.type, event.data, event.userId), meta);
    } else if (event.conversationId) {
      await this.deliverToConversation(server, event, type, meta);
    }
    this.latency.observe({ type: event.type }, Math.max(0, (Date.now() - event.createdAt.getTime()) / 1000));
  }

  private async deliverToConversation(server: ChatServer, event: SequencedEvent, type: DurableServerEvent, meta: { cursor: string }) {
    const room = conversationRoom(event.conversationId!);
    const reactors = reactorsOf(event.type, event.data);
    if (!reactors.length) {
      emit(server.to(room), type, projectForViewer(event.type, event.data, null), meta);
      return;
    }
    const members = new Set(await this.membership.memberIds(event.conversationId!));
    const reactingMembers = reactors.filter((userId) => members.has(userId));
    emit(server.to(room).except(reactingMembers.map(userRoom)), type, projectForViewer(event.type, event.data, null), meta);
    for (const userId of reactingMembers) emit(server.to(userRoom(userId)), type, projectForViewer(event.type, event.data, userId), meta);
  }
}

/** The one untyped step: the log's data is `unknown`; the socket tests check every emit against the schemas. */
function emit<E extends DurableServerEvent>(target: Target, type: E, data: unknown, meta: { cursor: string }) {
  (target.emit as (event: E, payload: ServerEventPayload<E>, meta: { cursor: string }) => boolean)(type, data as ServerEventPayload<E>, meta);
}

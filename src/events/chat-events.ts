/** The durable events: each is written to the log, emitted to sockets with `{ cursor }`, and served by `/sync`. */
export const DURABLE_EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'receipt',
  'conversation.updated',
  'conversation.removed',
  'thread.updated',
  'thread.read',
  'mention',
  'pin.updated',
  'draft.updated',
  'metadata.updated',
  'member.updated',
  'report.resolved',
  'webhook.disabled',
  'export.finished',
] as const;

export type DurableEventType = (typeof DURABLE_EVENT_TYPES)[number];

/**
 * What a service appends inside its transaction: for a conversation's members, or for one user.
 * `messageId` names the message the data embeds, if any (see `ChatEvent.messageId`).
 */
export type NewChatEvent =
  | { type: DurableEventType; conversationId: string; userId?: undefined; data: object; messageId?: string }
  | { type: DurableEventType; userId: string; conversationId?: undefined; data: object; messageId?: string };

/**
 * What an edit or delete changes in a message, applied to every earlier event that embeds it: a
 * `message.*` event's data, a `conversation.updated` event's `lastMessage`.
 */
export interface MessageRewrite {
  content: string | null;
  editedAt: string | null;
  deletedAt: string | null;
  /** Recomputed by an edit; emptied by a delete. */
  mentions?: string[];
  /** A delete unpins. */
  pinnedAt?: null;
  /** A metadata change. */
  metadata?: Record<string, unknown>;
  /** A deleted message loses both; a deleted upload leaves the message with the others. */
  attachments?: object[];
  reactions?: [];
  /** A link preview attached after the send (null: a delete removed it). */
  preview?: object | null;
}

/** An event once the sequencer has placed it; `position` is the cursor just after it. */
export interface SequencedEvent {
  position: string;
  type: DurableEventType;
  conversationId: string | null;
  userId: string | null;
  data: unknown;
  /** When the writer's transaction appended it: the start of the commit-to-delivery latency. */
  createdAt: Date;
  /** When the sequencer's transaction placed it (ms since the epoch); absent for events read back from the log. */
  sequencedAt?: number;
}

/** In-process signal carrying each batch of newly sequenced events, oldest first. */
export const EVENTS_SEQUENCED = 'chat.events.sequenced';

import type { ApiKeyGrant } from '../common/auth/auth-user.js';
import type { Type } from '@nestjs/common';
import type { ErrorDetail } from '../common/errors/app.exception.js';
import type { ErrorCode } from '../common/errors/error-codes.js';
import { ConversationDto } from '../conversations/dto/conversation.dto.js';
import type { DurableEventType } from '../events/chat-events.js';
import { MessageDto } from '../messages/dto/message.dto.js';
import { WebhookDisabledEventDto } from '../webhooks/dto/webhook.dto.js';
import { ExportFinishedEventDto } from '../exports/dto/data-export.dto.js';
import { ReportResolvedEventDto } from '../reports/dto/report.dto.js';
import { ConversationRefPayload, MarkerPayload, RenewTokenPayload, SendMessagePayload } from './dto/client-events.dto.js';
import {
  ConversationRemovedEventDto,
  DraftUpdatedEventDto,
  MentionEventDto,
  MetadataUpdatedEventDto,
  PinUpdatedEventDto,
  MemberUpdatedEventDto,
  PresenceEventDto,
  ReactionUpdatedEventDto,
  ReceiptEventDto,
  SessionRevokedEventDto,
  SyncRequiredEventDto,
  ThreadReadEventDto,
  ThreadUpdatedEventDto,
  TokenExpiredEventDto,
  TokenRenewedDto,
  TypingEventDto,
} from './dto/server-events.dto.js';

/**
 * THE list of Socket.IO events, both directions. The gateway's handlers, its typed emits and the AsyncAPI
 * document at `/docs/asyncapi.json` are all derived from these two maps, so none of them can drift:
 * a handler for an event not listed here, or an emit with a payload of another shape, does not compile,
 * and the document is generated from the same classes (which also validate client payloads).
 */

interface ServerEventSpec {
  summary: string;
  payload: Type<object>;
  /** Written to the event log: emitted with a second argument `{ cursor }` and served by /sync. */
  durable: boolean;
  /** Who receives it. */
  to: string;
}

export const SERVER_EVENTS = {
  'message.created': {
    summary: 'A new message, sent over REST or a socket, after its commit',
    payload: MessageDto,
    durable: true,
    to: "the conversation's room",
  },
  'message.updated': { summary: 'A message was edited', payload: MessageDto, durable: true, to: "the conversation's room" },
  'message.deleted': {
    summary: 'A message became a tombstone (`deletedAt` set, `content` null, no attachments)',
    payload: MessageDto,
    durable: true,
    to: "the conversation's room",
  },
  'reaction.updated': {
    summary: "A message's reactions changed; `me` is computed for each recipient",
    payload: ReactionUpdatedEventDto,
    durable: true,
    to: "the conversation's room",
  },
  receipt: { summary: "A member's delivered or read marker moved forward", payload: ReceiptEventDto, durable: true, to: "the conversation's room" },
  'conversation.updated': {
    summary:
      'A conversation was created, renamed, or its members changed, as that member sees it; also to one member when their own view changed (mute, archive, hide, pin, notification level) or a new message brought it back from their archive',
    payload: ConversationDto,
    durable: true,
    to: 'each member (user room)',
  },
  'conversation.removed': {
    summary: 'The recipient was removed from the conversation, or left it',
    payload: ConversationRemovedEventDto,
    durable: true,
    to: 'that user (user room)',
  },
  'thread.updated': {
    summary: "A thread got a reply: its root's new reply count, newest reply time and first participants",
    payload: ThreadUpdatedEventDto,
    durable: true,
    to: "the conversation's room",
  },
  'thread.read': {
    summary: "The recipient's thread read marker moved forward (on another device, or this one)",
    payload: ThreadReadEventDto,
    durable: true,
    to: 'that user (user room)',
  },
  mention: {
    summary: 'A message mentions the recipient (sent, or edited to mention them)',
    payload: MentionEventDto,
    durable: true,
    to: 'the mentioned user (user room)',
  },
  'pin.updated': {
    summary: 'A message was pinned to or unpinned from the conversation',
    payload: PinUpdatedEventDto,
    durable: true,
    to: "the conversation's room",
  },
  'draft.updated': {
    summary: "The recipient's draft in a conversation (or one of its threads) was saved, deleted, or cleared by a send — on another device, or this one",
    payload: DraftUpdatedEventDto,
    durable: true,
    to: 'that user (user room)',
  },
  'metadata.updated': {
    summary: "Custom metadata changed: a user's (to that user's devices), a conversation's or a message's (to the conversation's room)",
    payload: MetadataUpdatedEventDto,
    durable: true,
    to: "the user (user room), or the conversation's room",
  },
  'member.updated': {
    summary:
      "A member's role changed (the member also gets `conversation.updated` with the new `myRole`), or an owner or admin muted or unmuted them; once to the room, not once per member",
    payload: MemberUpdatedEventDto,
    durable: true,
    to: "the conversation's room",
  },
  'report.resolved': {
    summary: 'An admin resolved a report the recipient made: what became of it',
    payload: ReportResolvedEventDto,
    durable: true,
    to: 'the reporter (user room)',
  },
  'webhook.disabled': {
    summary:
      'A webhook kept failing (WEBHOOK_DISABLE_AFTER dead deliveries in a row) and was disabled; PATCH it with `enabled: true` to resume where it stopped',
    payload: WebhookDisabledEventDto,
    durable: true,
    to: 'every admin (user room)',
  },
  'export.finished': {
    summary: 'A data export the recipient asked for (`POST /users/me/export`) is ready to download (`GET /users/me/export/{id}` for its URL) or failed',
    payload: ExportFinishedEventDto,
    durable: true,
    to: 'that user (user room)',
  },
  typing: {
    summary: 'Someone started or stopped typing; a start expires by itself after 6 s',
    payload: TypingEventDto,
    durable: false,
    to: "the conversation's room, except the typist's own sockets",
  },
  presence: {
    summary: "A user's first socket connected or last socket disconnected, on any instance",
    payload: PresenceEventDto,
    durable: false,
    to: 'the rooms of every conversation the user is a member of',
  },
  'session.revoked': {
    summary: 'The session was signed out, revoked, or the user banned; the server disconnects the socket right after. Sign in again',
    payload: SessionRevokedEventDto,
    durable: false,
    to: "the session's sockets",
  },
  'token.expired': {
    summary: "The socket's access token expired (and was not renewed with `auth.renew`); the server disconnects right after. Refresh, reconnect, /sync",
    payload: TokenExpiredEventDto,
    durable: false,
    to: 'that socket',
  },
  'sync.required': {
    summary: 'Live events may have been missed (the server lost its link to the other instances for a while): call /sync now',
    payload: SyncRequiredEventDto,
    durable: false,
    to: 'every socket of the instance',
  },
} as const satisfies Record<string, ServerEventSpec>;

export type ServerEventName = keyof typeof SERVER_EVENTS;
export type ServerEventPayload<E extends ServerEventName> = InstanceType<(typeof SERVER_EVENTS)[E]['payload']>;
export type DurableServerEvent = { [E in ServerEventName]: (typeof SERVER_EVENTS)[E]['durable'] extends true ? E : never }[ServerEventName];

/** The log's durable events and the map's durable events are the same set, checked at compile time. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const durableEventsMatch: Same<DurableServerEvent, DurableEventType> = true;
void durableEventsMatch;

/** Socket.IO's typed server → client map: durable events carry `{ cursor }` as a second argument. */
export type ServerToClientEvents = {
  [E in ServerEventName]: E extends DurableServerEvent
    ? (payload: ServerEventPayload<E>, meta: { cursor: string }) => void
    : (payload: ServerEventPayload<E>) => void;
};

interface ClientEventSpec {
  summary: string;
  payload: Type<object>;
  /** What `data` holds in a successful acknowledgement; null when the ack is just `{ ok: true }`. */
  ackData: Type<object> | null;
}

export const CLIENT_EVENTS = {
  'conversation.join': {
    summary: "Join a conversation's room again (after a leave, or beyond the room cap). Members only: NOT_FOUND otherwise",
    payload: ConversationRefPayload,
    ackData: null,
  },
  'conversation.leave': { summary: "Stop receiving a conversation's room events on this socket", payload: ConversationRefPayload, ackData: null },
  'message.send': {
    summary: 'Send a message: the REST body plus `conversationId`, with the same validation, idempotency (`clientMessageId`) and MESSAGE_RATE_LIMIT',
    payload: SendMessagePayload,
    ackData: MessageDto,
  },
  'typing.start': { summary: 'Tell the others you are typing (TYPING_RATE_LIMIT per user per 10 s)', payload: ConversationRefPayload, ackData: null },
  'typing.stop': { summary: 'Tell the others you stopped typing', payload: ConversationRefPayload, ackData: null },
  'message.delivered': {
    summary: 'Move your delivered marker forward (a lower seq changes nothing); over REST: POST /api/v1/conversations/{id}/delivered',
    payload: MarkerPayload,
    ackData: null,
  },
  'conversation.read': { summary: 'Move your read marker forward (a lower seq changes nothing)', payload: MarkerPayload, ackData: null },
  'auth.renew': {
    summary: "Hand the socket a fresh access token of the same user before the current one expires, so it isn't disconnected",
    payload: RenewTokenPayload,
    ackData: TokenRenewedDto,
  },
} as const satisfies Record<string, ClientEventSpec>;

export type ClientEventName = keyof typeof CLIENT_EVENTS;

/** A handler's name for `@SubscribeMessage`, checked against the map. */
export const clientEvent = <E extends ClientEventName>(name: E): E => name;

export type AckError = { code: ErrorCode; message: string; details?: ErrorDetail[]; retryAfter?: number };
/** Every client event is answered through its acknowledgement callback with one of these. */
export type Ack = { ok: true; data?: unknown } | { ok: false; error: AckError };

/** Socket.IO's typed client → server map: a payload and an optional acknowledgement callback. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: unknown, ack?: (response: Ack) => void) => void;
};

/** What the gateway keeps on each socket. */
export interface SocketData {
  userId: string;
  role: string;
  sessionId: string;
  /** Access-token expiry (ms since epoch); for an API key's socket, the key's. */
  expiresAt: number;
  /** Set on a socket authenticated with an API key: the key's id (also `sessionId`) and scopes. */
  apiKey?: ApiKeyGrant;
}

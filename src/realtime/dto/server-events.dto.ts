import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RevocationReason } from '../../auth/session-revoked.event.js';
import { type ErrorCode, SOCKET_ERROR_CODES } from '../../common/errors/error-codes.js';
import { ErrorDetailDto } from '../../common/errors/error-envelope.dto.js';
import { ReactionDto } from '../../messages/dto/message.dto.js';

/*
 * Payloads of the server → client events that have no REST twin. `Message` and `Conversation` are the
 * REST DTOs themselves (see events.map.ts), so the two documents describe one shape.
 */

export class DeliveryMetaDto {
  @ApiProperty({ description: 'The /sync cursor just after this event: store it, and pass it as `since` after a reconnect' })
  cursor: string;
}

export class ReactionUpdatedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  messageId: string;

  @ApiProperty({ type: [ReactionDto], description: "The message's reactions as the recipient sees them (`me`)" })
  reactions: ReactionDto[];
}

export class ReceiptEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid', description: 'Whose marker moved' })
  userId: string;

  @ApiProperty({ enum: ['delivered', 'read'] })
  type: 'delivered' | 'read';

  @ApiProperty({ type: 'integer', minimum: 0, description: 'The new marker: every message up to this seq' })
  seq: number;
}

export class MemberUpdatedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ enum: ['admin', 'member'], description: "The member's role (new, for a role change)" })
  role: 'admin' | 'member';

  @ApiProperty({ description: "Muted by the group's owner or an admin: reads, cannot post (403 `MUTED`)" })
  moderationMuted: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When that mute ends; null while not muted or muted until unmuted' })
  moderationMutedUntil: string | null;
}

export class ConversationRemovedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;
}

export class TypingEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ description: 'false on typing.stop, on disconnect, and 6 s after a typing.start that no stop or new start followed' })
  isTyping: boolean;
}

export class PresenceEventDto {
  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ description: 'Connected on any instance right now' })
  online: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the last connection ended; null if never' })
  lastSeenAt: string | null;
}

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  'logout',
  'revoked',
  'token_reused',
  'password_changed',
  'banned',
  'role_changed',
  'account_deleted',
];

export class SessionRevokedEventDto {
  @ApiProperty({ enum: REVOCATION_REASONS })
  reason: RevocationReason;
}

export class TokenExpiredEventDto {
  @ApiProperty({ format: 'date-time', description: "When the socket's access token expired" })
  expiredAt: string;
}

export class SyncRequiredEventDto {
  @ApiProperty({
    enum: ['redis_reconnected', 'events_missed'],
    description: 'Why live events may have been missed: the link to the other instances was lost for a while, or this instance fell too far behind the log',
  })
  reason: 'redis_reconnected' | 'events_missed';
}

export class AckErrorDto {
  @ApiProperty({ enum: SOCKET_ERROR_CODES, example: 'VALIDATION_FAILED', description: 'The same codes as REST (the table in the document description)' })
  code: ErrorCode;

  @ApiProperty({ example: 'The request is not valid: conversationId: conversationId must be a UUID' })
  message: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto], description: 'VALIDATION_FAILED only: each broken rule, as in the REST envelope' })
  details?: ErrorDetailDto[];

  @ApiPropertyOptional({ type: 'integer', description: 'RATE_LIMITED only: seconds to wait' })
  retryAfter?: number;
}

export class TokenRenewedDto {
  @ApiProperty({ format: 'date-time', description: 'When the new token (and so this socket, unless renewed again) expires' })
  expiresAt: string;
}

export class ThreadUpdatedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid', description: "The thread's first message" })
  rootId: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  replyCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastReplyAt: string | null;

  @ApiProperty({ type: [String], format: 'uuid', description: 'The first (at most 3) users who replied, as on the root' })
  threadParticipantIds: string[];
}

export class ThreadReadEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid', description: "The thread's first message" })
  rootId: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: "The recipient's new thread read marker" })
  seq: number;
}

export class MentionEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid', description: 'The message that mentions the recipient' })
  messageId: string;
}

export class PinUpdatedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ format: 'uuid' })
  messageId: string;

  @ApiProperty()
  pinned: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was pinned; null once unpinned' })
  pinnedAt: string | null;
}

export class DraftUpdatedEventDto {
  @ApiProperty({ format: 'uuid' })
  conversationId: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "The thread's root for a thread's draft; null for the conversation's" })
  threadRootId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The draft; null once deleted, or cleared by a send' })
  content: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  updatedAt: string | null;
}

export class MetadataUpdatedEventDto {
  @ApiProperty({
    enum: ['user', 'conversation', 'message', 'member'],
    description: 'What the metadata belongs to (`member`: a membership of the conversation)',
  })
  target: 'user' | 'conversation' | 'message' | 'member';

  @ApiProperty({ format: 'uuid', description: "The user's, conversation's or message's id; for a member, the member's user id" })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The conversation, for a conversation, a message or a member; null for a user' })
  conversationId: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The whole object after the change' })
  metadata: Record<string, unknown>;
}

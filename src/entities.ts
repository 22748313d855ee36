import { ApiKey } from './auth/api-key.entity.js';
import { ScheduledMessage } from './scheduled/scheduled-message.entity.js';
import { DataExport } from './exports/data-export.entity.js';
import { ChatEvent } from './events/chat-event.entity.js';
import { ConversationMember } from './memberships/conversation-member.entity.js';
import { Conversation } from './memberships/conversation.entity.js';
import { Draft } from './memberships/draft.entity.js';
import { MessageAttachment } from './messages/message-attachment.entity.js';
import { MessageReaction } from './messages/message-reaction.entity.js';
import { MessageMention } from './messages/message-mention.entity.js';
import { Message } from './messages/message.entity.js';
import { ThreadParticipant } from './messages/thread-participant.entity.js';
import { Session } from './auth/session.entity.js';
import { SpentRefreshToken } from './auth/spent-refresh-token.entity.js';
import { Media } from './media/media.entity.js';
import { EventLogState } from './events/event-log-state.entity.js';
import { AuditEntry } from './audit/audit-entry.entity.js';
import { Report } from './reports/report.entity.js';
import { RetentionPolicy } from './retention/retention-policy.entity.js';
import { UserBlock } from './users/user-block.entity.js';
import { User } from './users/user.entity.js';
import { WebhookDelivery } from './webhooks/webhook-delivery.entity.js';
import { Webhook } from './webhooks/webhook.entity.js';
import { LinkPreviewCache } from './link-previews/link-preview-cache.entity.js';
import { Device } from './push/device.entity.js';

/** Every TypeORM entity of the app (wiring, like app.module: it sits above every module, not in `database/`). A new entity is added here and gets a migration in `migrations/`. */
export const entities: Function[] = [
  User,
  UserBlock,
  Session,
  SpentRefreshToken,
  ChatEvent,
  Media,
  Conversation,
  ConversationMember,
  Draft,
  Message,
  MessageReaction,
  MessageAttachment,
  ThreadParticipant,
  MessageMention,
  EventLogState,
  AuditEntry,
  Report,
  RetentionPolicy,
  ApiKey,
  ScheduledMessage,
  Webhook,
  WebhookDelivery,
  LinkPreviewCache,
  Device,
  DataExport,
];

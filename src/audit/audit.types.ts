import type { AuthUser } from '../common/auth/auth-user.js';

/** What is audited, one type per kind of action (README "Moderation and privacy" lists them). */
export const AUDIT_TYPES = [
  'user.banned',
  'user.unbanned',
  'user.role_changed',
  'message.deleted',
  'report.resolved',
  'member.muted',
  'member.unmuted',
  'conversation.mode_changed',
  'conversation.slow_mode_changed',
  'retention.changed',
  'user.deleted',
  'bot.created',
  'api_key.created',
  'api_key.revoked',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.replayed',
  'user.exported',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** `settings`: a service-wide setting; its target id is the nil UUID (`SETTINGS_TARGET_ID`). */
export const AUDIT_TARGET_TYPES = ['user', 'message', 'report', 'conversation', 'settings', 'api_key', 'webhook'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const SETTINGS_TARGET_ID = '00000000-0000-0000-0000-000000000000';

/** Who acts, and in which request: every audited action is given this by its controller (`@CurrentActor()`). */
export interface Actor extends AuthUser {
  /** The request's `x-request-id`; null for work no request started. */
  requestId: string | null;
}

/** What an action records about itself (the actor and request come from `Actor`). */
export interface NewAuditEntry {
  type: AuditType;
  targetType: AuditTargetType;
  targetId: string;
  before: object | null;
  after: object | null;
}

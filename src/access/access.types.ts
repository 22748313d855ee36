/** Kinds and roles every layer speaks of; defined here, at the bottom, so entities and access share them. */
export const CONVERSATION_TYPES = ['direct', 'group'] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const CONVERSATION_MODES = ['open', 'announcements'] as const;
export type ConversationMode = (typeof CONVERSATION_MODES)[number];

/** The longest slow mode a group can have: six hours. */
export const SLOW_MODE_MAX_SECONDS = 21600;

/** A member's view of a conversation, read with the membership in one query. */
export interface ConversationGrant {
  conversationId: string;
  type: ConversationType;
  title: string | null;
  /** Direct conversations: the two user ids, sorted, joined by `:`. */
  directKey: string | null;
  lastSeq: number;
  role: MemberRole;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  /** Direct conversations: the other member. */
  peerId: string | null;
  /** Direct conversations: either member blocked the other. */
  blocked: boolean;
  mode: ConversationMode;
  slowModeSeconds: number;
  /** The caller is muted by a moderator now (an expired mute is not); `mutedUntil` null means until unmuted. */
  moderationMute: { until: Date | null } | null;
  /** Slow mode: whole seconds until the caller may post again; 0 now. */
  slowModeWaitSeconds: number;
}

/** A message being changed, row-locked by the check until the transaction ends. */
export interface MessageGrant extends ConversationGrant {
  message: { id: string; conversationId: string; senderId: string; deleted: boolean };
}

/** A membership change aimed at another member. */
export interface MemberGrant extends ConversationGrant {
  targetRole: MemberRole;
}

/**
 * The rule a signed media URL was issued under (src/media/media-urls.ts), checked again at every load:
 * one user's `media.read`; an attachment of one conversation; an avatar.
 */
export type SignedMediaGrant = { kind: 'viewer'; userId: string } | { kind: 'conversation'; conversationId: string } | { kind: 'avatar' };

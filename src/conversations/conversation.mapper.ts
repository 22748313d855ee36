import type { MessageData } from '../messages/message.mapper.js';
import { messageForViewer } from '../messages/message.mapper.js';
import type { MediaUrls } from '../media/media-urls.js';
import type { ProfileDto } from '../users/dto/profile.dto.js';
import type { ConversationDetailDto, ConversationDto, MemberDto } from './dto/conversation.dto.js';
import type { MemberRow, MembershipRow } from '../memberships/conversations.repository.js';

export interface ConversationFigures {
  lastMessage: MessageData | undefined;
  unreadCount: number;
  unreadMentions: number;
  memberCount: number;
  /** Direct conversations: the other member's profile. */
  peer: ProfileDto | null;
  draft: { content: string; updatedAt: Date } | undefined;
}

/** A mute with an expiry in the past has run out. */
export function isMuted(row: Pick<MembershipRow, 'muted' | 'muted_until'>, now = new Date()): boolean {
  return row.muted && (row.muted_until === null || new Date(row.muted_until) > now);
}

/** The contract's `Conversation` for the member of `row`: their role, their unread count, their view of the last message. */
export function toConversation(row: MembershipRow, figures: ConversationFigures, urls: MediaUrls): ConversationDto {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    createdAt: row.created_at.toISOString(),
    lastSeq: Number(row.last_seq),
    lastMessage: figures.lastMessage ? messageForViewer(figures.lastMessage, row.user_id, urls) : null,
    unreadCount: figures.unreadCount,
    unreadMentions: figures.unreadMentions,
    myRole: row.role,
    memberCount: figures.memberCount,
    peer: figures.peer,
    muted: isMuted(row),
    mutedUntil: isMuted(row) && row.muted_until ? new Date(row.muted_until).toISOString() : null,
    archived: row.archived,
    hidden: row.hidden,
    pinned: row.pinned_at !== null,
    notificationLevel: row.notification_level,
    metadata: row.metadata ?? {},
    mode: row.mode,
    slowModeSeconds: row.slow_mode_seconds,
    draft: figures.draft ? { content: figures.draft.content, updatedAt: new Date(figures.draft.updatedAt).toISOString() } : null,
  };
}

/** A member's moderation mute as payloads show it: an expired one is no mute. */
export function moderationMuteOf(
  row: Pick<MemberRow, 'moderation_muted' | 'moderation_muted_until'>,
  now = new Date(),
): { moderationMuted: boolean; moderationMutedUntil: string | null } {
  const until = row.moderation_muted_until ? new Date(row.moderation_muted_until) : null;
  const muted = row.moderation_muted && (until === null || until > now);
  return { moderationMuted: muted, moderationMutedUntil: muted && until ? until.toISOString() : null };
}

export function toMember(member: MemberRow, profile: ProfileDto): MemberDto {
  return {
    user: profile,
    role: member.role,
    lastReadSeq: Number(member.last_read_seq),
    lastDeliveredSeq: Number(member.last_delivered_seq),
    joinedAt: new Date(member.joined_at).toISOString(),
    ...moderationMuteOf(member),
    metadata: member.metadata ?? {},
  };
}

export function withMembers(conversation: ConversationDto, members: MemberDto[]): ConversationDetailDto {
  return { ...conversation, members };
}

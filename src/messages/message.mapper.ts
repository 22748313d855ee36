import type { LinkPreview } from './link-preview.types.js';
/**
 * Messages as the API shows them. `MessageData` is viewer-neutral — its reactions list who reacted — and
 * is what durable events carry; `messageForViewer` turns it into the contract's `Message` for one viewer
 * (`me` instead of the user ids). REST answers, socket acknowledgements and realtime delivery all go
 * through it, so they can't disagree.
 */

import type { MediaDto } from '../media/dto/media.dto.js';
import { plainMediaPath } from '../media/media-urls.js';
import type { MediaUrls } from '../media/media-urls.js';
import type { ForwardedFrom } from './message.entity.js';
import type { NewMessage } from './messages.repository.js';

export type MessageStatus = 'sent' | 'delivered' | 'read';

export interface MessageSender {
  id: string;
  username: string;
  displayName: string;
  /** The avatar's thumbnail: the plain path in `MessageData`, signed (`avatar` grant) for each reader. */
  avatarUrl: string | null;
  isBot: boolean;
}

/** A message's attachment: the upload's `Media`. */
export type AttachmentView = MediaDto;

export interface ReactionData {
  emoji: string;
  count: number;
  userIds: string[];
}

export interface ReactionView {
  emoji: string;
  count: number;
  me: boolean;
}

interface MessageFields {
  id: string;
  conversationId: string;
  seq: number;
  sender: MessageSender;
  content: string | null;
  attachments: AttachmentView[];
  replyToId: string | null;
  clientMessageId: string;
  status: MessageStatus;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** The root of the thread this reply is in; null outside threads (and on the root itself). */
  threadRootId: string | null;
  /** false: a thread reply not counted as unread in the conversation. */
  alsoToConversation: boolean;
  /** On a thread's root: replies so far, when the newest came, and the first (at most 3) participants. */
  replyCount: number;
  lastReplyAt: string | null;
  threadParticipantIds: string[];
  /** The members this message mentions. */
  mentions: string[];
  pinnedAt: string | null;
  /** A forwarded copy: where the original came from. */
  forwardedFrom: ForwardedFrom | null;
  /** Custom fields set by the sender. */
  metadata: Record<string, unknown>;
  /** The first link's preview, once fetched; null before, without a link, or when the page has none. */
  preview: LinkPreview | null;
}

export interface MessageData extends MessageFields {
  reactions: ReactionData[];
}

export interface MessageView extends MessageFields {
  reactions: ReactionView[];
}

/** A message row as the repository reads it, with its sender joined. */
export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: string;
  sender_id: string;
  sender_username: string;
  sender_display_name: string;
  sender_avatar_media_id: string | null;
  sender_is_bot: boolean;
  content: string | null;
  reply_to_id: string | null;
  client_message_id: string;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  thread_root_id: string | null;
  also_to_conversation: boolean;
  reply_count: number;
  last_reply_at: Date | null;
  thread_participant_ids: string[];
  pinned_at: Date | null;
  forwarded_from: ForwardedFrom | null;
  metadata: Record<string, unknown>;
  preview: LinkPreview | null;
}

export interface MessageExtras {
  attachments: AttachmentView[];
  reactions: ReactionData[];
  status: MessageStatus;
  mentions: string[];
}

export function toMessageData(row: MessageRow, extras: MessageExtras): MessageData {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    sender: {
      id: row.sender_id,
      username: row.sender_username,
      displayName: row.sender_display_name,
      avatarUrl: row.sender_avatar_media_id ? plainMediaPath(row.sender_avatar_media_id, 'thumbnail') : null,
      isBot: row.sender_is_bot,
    },
    content: row.content,
    attachments: row.deleted_at ? [] : extras.attachments,
    replyToId: row.reply_to_id,
    clientMessageId: row.client_message_id,
    reactions: extras.reactions,
    status: extras.status,
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at?.toISOString() ?? null,
    deletedAt: row.deleted_at?.toISOString() ?? null,
    threadRootId: row.thread_root_id,
    alsoToConversation: row.also_to_conversation,
    replyCount: row.reply_count,
    lastReplyAt: row.last_reply_at ? new Date(row.last_reply_at).toISOString() : null,
    threadParticipantIds: row.thread_participant_ids,
    mentions: row.deleted_at ? [] : extras.mentions,
    pinnedAt: row.pinned_at ? new Date(row.pinned_at).toISOString() : null,
    forwardedFrom: row.forwarded_from,
    metadata: row.metadata ?? {},
    preview: row.deleted_at ? null : (row.preview ?? null),
  };
}

/** What a message has the moment it is sent: no reactions, attachments nor mentions, and nobody has read it. */
export const NEW_MESSAGE_EXTRAS: MessageExtras = Object.freeze({ reactions: [], attachments: [], status: 'sent', mentions: [] });

/**
 * The row a message will have once inserted, as far as the sender's request decides it: the columns'
 * defaults for the rest, blanks where the insert decides (id, seq, created_at, the sender's profile).
 */
export function prospectiveRow(message: NewMessage): MessageRow {
  return {
    id: '',
    conversation_id: message.conversationId,
    seq: '0',
    sender_id: message.senderId,
    sender_username: '',
    sender_display_name: '',
    sender_avatar_media_id: null,
    sender_is_bot: false,
    content: message.content,
    reply_to_id: message.replyToId,
    client_message_id: message.clientMessageId,
    created_at: new Date(0),
    edited_at: null,
    deleted_at: null,
    thread_root_id: message.threadRootId,
    also_to_conversation: message.alsoToConversation,
    reply_count: 0,
    last_reply_at: null,
    thread_participant_ids: [],
    pinned_at: null,
    forwarded_from: message.forwardedFrom ?? null,
    metadata: {},
    preview: null,
  };
}

/** The reactions as one viewer sees them: counts, and whether the viewer is among those who reacted. */
export function reactionsForViewer(reactions: ReactionData[], viewerId: string): ReactionView[] {
  return reactions.map(({ emoji, count, userIds }) => ({ emoji, count, me: userIds.includes(viewerId) }));
}

/**
 * The contract's `Message` for one viewer, its media URLs signed (attachments bound to the conversation,
 * the sender's avatar as an avatar: the same for every member, so a room broadcast can carry them). Pure
 * but for the clock: the realtime layer calls it per recipient. Events logged before `avatarUrl` and
 * `isBot` existed get null and false.
 */
export function messageForViewer(message: MessageData, viewerId: string, urls: MediaUrls): MessageView {
  const sender = { ...message.sender, avatarUrl: message.sender.avatarUrl ?? null, isBot: message.sender.isBot ?? false };
  return urls.message({ ...message, sender, reactions: reactionsForViewer(message.reactions, viewerId) });
}

/**
 * The sender's view of delivery: `read` once every other member's read marker reached `seq`, `delivered`
 * once every other member's delivered marker did. `others` holds the lowest markers among the members
 * other than the sender; none (the sender is alone) means nobody received it.
 */
export function statusOf(seq: number, others: { readSeq: number; deliveredSeq: number } | undefined): MessageStatus {
  if (!others) return 'sent';
  if (others.readSeq >= seq) return 'read';
  if (others.deliveredSeq >= seq) return 'delivered';
  return 'sent';
}

/**
 * Messages as the API shows them. `MessageData` is viewer-neutral — its reactions list who reacted — and
 * is what durable events carry; `messageForViewer` turns it into the contract's `Message` for one viewer
 * (`me` instead of the user ids). REST answers, socket acknowledgements and realtime delivery all go
 * through it, so they can't disagree.
 */

import type { MediaDto } from '../media/dto/media.dto.js';
import { plainMediaPath } from '../media/media-urls.js';
import type { MediaUrls } from '../media/media-urls.js';

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
}

export interface MessageExtras {
  attachments: AttachmentView[];
  reactions: ReactionData[];
  status: MessageStatus;
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

import type { DurableEventType } from '../events/chat-events.js';
import type { MediaDto } from '../media/dto/media.dto.js';
import type { MediaUrls } from '../media/media-urls.js';
import { type MessageData, type MessageView, messageForViewer, type ReactionData, type ReactionView, reactionsForViewer } from '../messages/message.mapper.js';

/**
 * Durable events are stored viewer-neutral: a message's reactions list who reacted. Clients get them
 * per viewer (`me` instead of user ids), over the socket and from /sync alike, through these functions,
 * which also sign the media URLs they embed afresh (the log keeps whatever URLs were current when the
 * event was written; a replay must not hand out expired ones).
 */

/** What a `conversation.updated` event embeds that carries media. */
interface ConversationUpdatedData {
  lastMessage?: MessageData | null;
  peer?: { avatar: MediaDto | null } | null;
}

interface ReactionUpdatedData {
  conversationId: string;
  messageId: string;
  reactions: ReactionData[];
}

/** The user ids behind an event's reactions; empty when the event carries none. */
export function reactorsOf(type: DurableEventType, data: unknown): string[] {
  const reactions = reactionsIn(type, data);
  return [...new Set(reactions.flatMap((reaction) => reaction.userIds))];
}

/** The event's data as `viewerId` sees it; `null` for a viewer who reacted with nothing. */
export function projectForViewer(type: DurableEventType, data: unknown, viewerId: string | null, urls: MediaUrls): unknown {
  const viewer = viewerId ?? '';
  switch (type) {
    case 'message.created':
    case 'message.updated':
    case 'message.deleted':
      return messageForViewer(data as MessageData, viewer, urls) satisfies MessageView;
    case 'conversation.updated': {
      const event = data as ConversationUpdatedData;
      return {
        ...event,
        ...(event.lastMessage ? { lastMessage: urls.message(event.lastMessage) } : {}),
        ...(event.peer ? { peer: urls.profile(event.peer) } : {}),
      };
    }
    case 'reaction.updated': {
      const event = data as ReactionUpdatedData;
      return { ...event, reactions: reactionsForViewer(event.reactions, viewer) satisfies ReactionView[] };
    }
    default:
      return data;
  }
}

function reactionsIn(type: DurableEventType, data: unknown): ReactionData[] {
  switch (type) {
    case 'message.created':
    case 'message.updated':
    case 'message.deleted':
      return (data as MessageData).reactions ?? [];
    case 'reaction.updated':
      return (data as ReactionUpdatedData).reactions ?? [];
    default:
      return [];
  }
}

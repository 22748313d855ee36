/** Every socket of a user, on every instance. */
export const userRoom = (userId: string) => `user:${userId}`;

/** Every socket of a conversation's members, on every instance. */
export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

/**
 * The one copy of `value` that V8 keeps for property names, so that every socket of a conversation shares
 * one string for its room (in the socket's `rooms` and the adapter's) and for the conversation's id,
 * where each socket's handshake made copies of its own: ~70 B per socket and conversation. V8's string
 * table holds these weakly, so a name no longer in use is collected like any string.
 */
export function interned(value: string): string {
  for (const key in { [value]: 0 }) return key;
  return value;
}

/** `conversationRoom`, shared: for rooms that sockets stay in (not for a one-off emit). */
export const sharedConversationRoom = (conversationId: string) => interned(conversationRoom(conversationId));

/**
 * At most this many conversation rooms per socket (each room costs memory on every instance and adapter
 * traffic). A user with more conversations gets the most recently active ones on connect; the others
 * are a `conversation.join` away, and /sync covers them whatever the rooms.
 */
export const MAX_CONVERSATION_ROOMS = 2_000;

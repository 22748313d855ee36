/** Every socket of a user, on every instance. */
export const userRoom = (userId: string) => `user:${userId}`;

/** Every socket of a conversation's members, on every instance. */
export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

/**
 * At most this many conversation rooms per socket (each room costs memory on every instance and adapter
 * traffic). A user with more conversations gets the most recently active ones on connect; the others
 * are a `conversation.join` away, and /sync covers them whatever the rooms.
 */
export const MAX_CONVERSATION_ROOMS = 2_000;

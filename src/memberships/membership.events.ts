/**
 * In-process domain event, emitted after commit on the instance that changed the membership, so its
 * sockets move in and out of the conversation's room at once. Every other instance learns the same from
 * the ordered event stream (`conversation.updated` to a new member, `conversation.removed` to one who
 * left), which is what realtime delivery trusts; see `RoomSync`.
 */
export const MEMBERSHIP_CHANGED = 'membership.changed';

export interface MembershipChanged {
  conversationId: string;
  addedUserIds: string[];
  removedUserIds: string[];
}

/**
 * After a message commits: the members it brought back from their archive or hidden list (see
 * `ConversationsRepository.bringBack`); the conversations module tells each with `conversation.updated`.
 */
export const CONVERSATION_BROUGHT_BACK = 'conversation.brought-back';

export interface ConversationBroughtBack {
  conversationId: string;
  userIds: string[];
}

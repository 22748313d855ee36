/**
 * In-process domain event, emitted after commit whenever members join or leave a conversation, so the
 * realtime gateway can move sockets in and out of the conversation's room on every instance.
 */
export const MEMBERSHIP_CHANGED = 'membership.changed';

export interface MembershipChanged {
  conversationId: string;
  addedUserIds: string[];
  removedUserIds: string[];
}

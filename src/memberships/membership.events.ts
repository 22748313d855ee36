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

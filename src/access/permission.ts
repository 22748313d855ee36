/**
 * Every permission of the app, in one table: what it lets a caller do and who holds it. `AccessService`
 * decides each in one `switch` (access.service.ts); the README's "who may do what" table and the
 * service-tier authorization table (test/service/authorization.service-spec.ts) are derived from this
 * one, so a permission added here without rules or tests fails the build or the tests.
 *
 * Refusals, the same for every permission: a caller who may not know the thing exists (a stranger to a
 * conversation, someone else's upload) gets 404 `NOT_FOUND`; a member with the wrong role 403
 * `FORBIDDEN`; a block between the two people 403 `BLOCKED`. Moderation adds its refusals to
 * `conversation.post` (and `message.forward`'s target): 403 `MUTED`, 403 `READ_ONLY`, 429 `SLOW_MODE`. API keys' scopes are a
 * table of their own (src/common/auth/scopes.ts), checked before any of these.
 */
export const Permission = {
  ConversationRead: 'conversation.read',
  ConversationPost: 'conversation.post',
  ConversationRename: 'conversation.rename',
  MembersAdd: 'conversation.members.add',
  MemberSetRole: 'conversation.members.set-role',
  MemberRemove: 'conversation.members.remove',
  MemberMute: 'conversation.members.mute',
  MemberMetadata: 'conversation.members.metadata',
  ConversationLeave: 'conversation.leave',
  MarkersMove: 'conversation.markers.move',
  Typing: 'conversation.typing',
  RoomJoin: 'conversation.room.join',
  MessageEdit: 'message.edit',
  MessageDelete: 'message.delete',
  MessageReact: 'message.react',
  MessagePin: 'message.pin',
  ThreadMarkersMove: 'thread.markers.move',
  MentionAll: 'conversation.mention-all',
  OwnState: 'conversation.own-state',
  MessageForward: 'message.forward',
  ConversationMetadata: 'conversation.metadata',
  ConversationRetention: 'conversation.retention',
  MessageMetadata: 'message.metadata',
  DirectOpen: 'direct.open',
  GroupCreate: 'group.create',
  MediaRead: 'media.read',
  MediaAttach: 'media.attach',
  MediaDelete: 'media.delete',
  AvatarSet: 'avatar.set',
  AdminUsers: 'admin.users',
  AdminMessages: 'admin.messages',
  AdminStats: 'admin.stats',
  AdminAudit: 'admin.audit',
  AdminReports: 'admin.reports',
  AdminRetention: 'admin.retention',
  AdminBots: 'admin.bots',
  AdminWebhooks: 'admin.webhooks',
  ReportMessage: 'report.message',
  ReportUser: 'report.user',
  EventsReceive: 'events.receive',
} as const;

export type Permission = (typeof Permission)[keyof typeof Permission];

export interface PermissionRule {
  /** What the permission lets one do. */
  does: string;
  /** Who holds it. */
  who: string;
  /** How a caller without it is answered, beyond the 404 for a stranger. */
  refusals: string;
}

/** One row per permission; `Record` makes a permission without its row a type error. */
export const PERMISSION_RULES: Record<Permission, PermissionRule> = {
  'conversation.read': { does: 'see a conversation, its members, history and search hits', who: 'members', refusals: '404 for anyone else' },
  'conversation.post': {
    does: 'send a message (also by forwarding into the conversation)',
    who: 'members; in an `announcements` group the owner and admins only; not a member a moderator muted; in slow mode a plain member once per `slowModeSeconds`',
    refusals:
      '403 BLOCKED in a direct conversation with a block either way; 403 MUTED while muted (until the mute ends); 403 READ_ONLY for plain members of an `announcements` group; 429 SLOW_MODE with `retryAfter` (owner and admins exempt)',
  },
  'conversation.rename': {
    does: "change a group's title, mode (`open`, `announcements`) and slow mode",
    who: 'owner, admin',
    refusals: '403 for members and in direct conversations',
  },
  'conversation.members.add': {
    does: 'add users to a group',
    who: 'owner, admin',
    refusals: '403 for members and in direct conversations; 403 BLOCKED when the caller and a user to add blocked each other (either way)',
  },
  'conversation.members.set-role': {
    does: 'make a member admin, or an admin member',
    who: 'owner',
    refusals: '403 for others; 404 when the user is not a member',
  },
  'conversation.members.remove': {
    does: 'remove someone else from a group',
    who: 'owner (anyone), admin (plain members only)',
    refusals: '403 otherwise; 404 when the user is not a member',
  },
  'conversation.members.mute': {
    does: 'mute a member of a group (they read but cannot post), optionally until a time, or unmute them',
    who: 'owner (anyone but themselves), admin (plain members only)',
    refusals: '403 otherwise and in direct conversations; 404 when the user is not a member; 400 for oneself',
  },
  'conversation.members.metadata': {
    does: "change a member's custom metadata in a conversation",
    who: 'the member themself; in a group also the owner (anyone) and admins (plain members)',
    refusals: '403 otherwise; 404 when the user is not a member; 403 BLOCKED in a direct conversation with a block',
  },
  'conversation.leave': { does: 'leave a group', who: 'members', refusals: '403 in direct conversations' },
  'conversation.markers.move': { does: "move one's read and delivered markers", who: 'members', refusals: '403 BLOCKED in a direct conversation with a block' },
  'conversation.typing': { does: 'send typing indicators', who: 'members', refusals: '403 BLOCKED in a direct conversation with a block' },
  'conversation.room.join': { does: "put a socket in the conversation's room", who: 'members', refusals: '404 for anyone else' },
  'message.edit': { does: 'edit a message', who: 'its sender', refusals: '403 for others; 403 BLOCKED in a direct conversation with a block' },
  'message.delete': {
    does: 'delete a message (tombstone)',
    who: 'its sender, owner, admin, a global admin who is a member',
    refusals: '403 for other members; not refused by blocks (removing words is always allowed)',
  },
  'message.react': { does: 'add or remove a reaction', who: 'members', refusals: '403 BLOCKED in a direct conversation with a block' },
  'message.pin': {
    does: 'pin a message to the conversation, or unpin it',
    who: 'groups: owner, admin; direct conversations: either member',
    refusals: '403 for plain members of a group; 403 BLOCKED in a direct conversation with a block',
  },
  'thread.markers.move': {
    does: "move one's read marker of a thread",
    who: 'members',
    refusals: '404 when the message is not in the conversation; 403 BLOCKED in a direct conversation with a block',
  },
  'conversation.mention-all': {
    does: 'mention every member with `@all`',
    who: 'owner, admin of a group',
    refusals: 'plain members and direct conversations: `@all` mentions nobody (the message is still sent)',
  },
  'conversation.own-state': {
    does: "change one's own view of a conversation: mute, archive, hide, pin, notification level, drafts",
    who: 'members',
    refusals: '404 for anyone else; not refused by blocks (it changes nothing anyone else sees)',
  },
  'message.forward': {
    does: 'forward a message into another conversation (a new message there, sharing its attachments)',
    who: 'members of both conversations who may post in the target',
    refusals: '404 for a stranger to either conversation or a message not in the source; 403 BLOCKED when the target is a direct conversation with a block',
  },
  'conversation.metadata': {
    does: "change a conversation's custom metadata",
    who: 'groups: owner, admin; direct conversations: either member',
    refusals: '403 for plain members of a group; 403 BLOCKED in a direct conversation with a block',
  },
  'conversation.retention': {
    does: "set or clear how many days a conversation's messages are kept (overriding the global policy)",
    who: 'groups: owner, admin; direct conversations: either member',
    refusals: '403 for plain members of a group; not refused by blocks (keeping less of a conversation is always allowed)',
  },
  'message.metadata': {
    does: "change a message's custom metadata",
    who: 'its sender',
    refusals: '403 for others; 403 BLOCKED in a direct conversation with a block',
  },
  'direct.open': {
    does: 'open the direct conversation with a user',
    who: 'anyone signed in',
    refusals: '404 for an unknown or banned user; 403 BLOCKED with a block either way',
  },
  'group.create': {
    does: 'create a group with members',
    who: 'anyone signed in',
    refusals: '403 BLOCKED when the creator and a member blocked each other (either way)',
  },
  'media.read': {
    does: 'read an upload and its thumbnail',
    who: "its uploader; members of a conversation where a message that is not deleted carries it (a forwarded copy too); anyone while it is a non-banned user's avatar",
    refusals: '404 for anyone else',
  },
  'media.attach': { does: 'attach uploads to a message', who: 'their uploader', refusals: "400 for someone else's upload" },
  'media.delete': {
    does: 'delete an upload: gone from every message that carried it (forwarded copies too) and from the avatar it was',
    who: 'its uploader',
    refusals: '404 for anyone who may not read it (and once it is deleted); 403 for someone who may read it',
  },
  'avatar.set': { does: "make an upload one's avatar", who: 'its uploader, for an image', refusals: '400 otherwise' },
  'admin.users': { does: 'list, promote, demote, ban and delete users', who: 'global admins', refusals: '403' },
  'admin.messages': { does: 'delete any message', who: 'global admins', refusals: '403' },
  'admin.stats': { does: 'read the dashboard counts', who: 'global admins', refusals: '403' },
  'admin.audit': { does: 'read the audit log', who: 'global admins', refusals: '403' },
  'admin.reports': { does: 'list reports and resolve them (dismiss, delete the message, ban the user)', who: 'global admins', refusals: '403' },
  'admin.retention': { does: 'set how many days messages are kept, service-wide', who: 'global admins', refusals: '403' },
  'admin.bots': { does: 'create bot accounts, mint API keys for them and revoke those keys', who: 'global admins', refusals: '403' },
  'admin.webhooks': { does: 'create, change, delete and replay outgoing webhooks, and read their deliveries', who: 'global admins', refusals: '403' },
  'report.message': {
    does: 'report a message to the admins',
    who: 'members of its conversation, for a message that is not deleted and not their own',
    refusals: "404 for anyone else (and for a deleted message); 400 for one's own message; not refused by blocks",
  },
  'report.user': {
    does: 'report a user to the admins',
    who: 'anyone signed in, no shared conversation needed',
    refusals: '404 for an unknown user; 400 for oneself',
  },
  'events.receive': {
    does: 'receive a durable event, live or from /sync',
    who: 'events of a conversation: its members, from the position at which they joined until they leave; events addressed to a user: that user',
    refusals: 'not delivered, not listed',
  },
};

/** The README's "who may do what" table, generated from the rules (a unit test keeps the README in step). */
export function permissionTable(): string {
  const rows = Object.entries(PERMISSION_RULES).map(([name, rule]) => `| \`${name}\` | ${rule.does} | ${rule.who} | ${rule.refusals} |`);
  return ['| permission | lets one | who | otherwise |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

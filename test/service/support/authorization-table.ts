import type { PermissionTargets } from '../../../src/access/access.service.js';
import { Permission } from '../../../src/access/permission.js';
import type { AuthUser } from '../../../src/common/auth/auth-user.js';
import type { ServiceGiven } from './service-given.js';

/**
 * THE authorization table of the service tier: every `Permission` × every kind of caller × every block
 * state → the outcome of `AccessService.require`. `authorization.service-spec.ts` runs every cell, and
 * fails when a permission has no row. (The HTTP matrix, test/support/authorization-table.ts, checks the
 * routes; this one checks the rules themselves.)
 *
 * Callers: `stranger` (signed in, in no conversation of the world), `member`, `admin` (of the group),
 * `owner`, `globalAdmin` (role admin, not a member). Block states, between the caller and the other
 * party of the row (the message's sender, the user added or removed, the direct conversation's peer):
 * `none`, `callerBlocked` (the caller blocked them), `blockedByOther` (they blocked the caller).
 */
export const ROLES = ['stranger', 'member', 'admin', 'owner', 'globalAdmin'] as const;
export type Role = (typeof ROLES)[number];
export const BLOCK_STATES = ['none', 'callerBlocked', 'blockedByOther'] as const;
export type BlockState = (typeof BLOCK_STATES)[number];

/** `ok`: granted; otherwise the error code (404 NOT_FOUND, 403 FORBIDDEN, 403 BLOCKED, 400 VALIDATION_FAILED); `n/a`: no such caller here. */
export type Outcome = 'ok' | 'NOT_FOUND' | 'FORBIDDEN' | 'BLOCKED' | 'VALIDATION_FAILED' | 'n/a';

/**
 * The world every cell is checked in, built once per block state (cells only check; they change
 * nothing, and run in a transaction that is rolled back):
 * - a group of `owner`, `admin`, `member` and `other` (a plain member), with a message of `other`
 *   carrying `otherUpload`, and a message of each possible caller;
 * - a direct conversation of `member` and `other`, with a message of each;
 * - `outsider`, in nothing: the one to add, or open a conversation with;
 * - the block state applies between each caller and both `other` and `outsider`.
 */
export interface ServiceWorld {
  callers: Record<Role, AuthUser>;
  other: AuthUser;
  outsider: AuthUser;
  group: string;
  direct: string;
  /** The group message of each caller who is a member, and of `other`. */
  groupMessageOf: Map<string, string>;
  directMessageOf: Map<string, string>;
  otherUpload: string;
  ownUploadOf: Map<string, string>;
}

export async function makeServiceWorld(given: ServiceGiven, block: BlockState): Promise<ServiceWorld> {
  const [stranger, member, admin, owner, globalAdmin, other, outsider] = await Promise.all([
    given.user(),
    given.user(),
    given.user(),
    given.user(),
    given.user('admin'),
    given.user(),
    given.user(),
  ]);
  const callers: Record<Role, AuthUser> = { stranger, member, admin, owner, globalAdmin };
  const group = await given.group(owner, [member, other], [admin]);
  const direct = await given.direct(member, other);
  const otherUpload = await given.upload(other);
  const groupMessageOf = new Map<string, string>();
  for (const user of [owner, admin, member]) groupMessageOf.set(user.id, await given.message(user, group));
  groupMessageOf.set(other.id, await given.message(other, group, 'with a picture', [otherUpload]));
  const directMessageOf = new Map([
    [member.id, await given.message(member, direct)],
    [other.id, await given.message(other, direct)],
  ]);
  const ownUploadOf = new Map<string, string>();
  for (const user of Object.values(callers)) ownUploadOf.set(user.id, await given.upload(user));
  for (const caller of Object.values(callers)) {
    for (const party of [other, outsider]) {
      if (block === 'callerBlocked') await given.block(caller, party);
      if (block === 'blockedByOther') await given.block(party, caller);
    }
  }
  return { callers, other, outsider, group, direct, groupMessageOf, directMessageOf, otherUpload, ownUploadOf };
}

export interface ServiceAuthorizationRow<P extends Permission = Permission> {
  permission: P;
  /** What the row is about, when a permission has several. */
  case: string;
  target: (world: ServiceWorld, caller: AuthUser) => PermissionTargets[P];
  expect: Record<Role, Record<BlockState, Outcome>>;
}

const all = (outcome: Outcome): Record<BlockState, Outcome> => ({ none: outcome, callerBlocked: outcome, blockedByOther: outcome });
/** Granted unless there is a block either way: then 403 BLOCKED. */
const unlessBlocked: Record<BlockState, Outcome> = { none: 'ok', callerBlocked: 'BLOCKED', blockedByOther: 'BLOCKED' };

/** Group rules: the same for every block state (blocks don't reach into a group one already shares). */
function inGroup(outcomes: Partial<Record<Role, Outcome>> & { members: Outcome }): Record<Role, Record<BlockState, Outcome>> {
  const { members, ...overrides } = outcomes;
  return {
    stranger: all(overrides.stranger ?? 'NOT_FOUND'),
    member: all(overrides.member ?? members),
    admin: all(overrides.admin ?? members),
    owner: all(overrides.owner ?? members),
    globalAdmin: all(overrides.globalAdmin ?? 'NOT_FOUND'),
  };
}

/** Direct conversation rules: only `member` is in it (with `other`); owners and admins don't exist there. */
function inDirect(member: Record<BlockState, Outcome>): Record<Role, Record<BlockState, Outcome>> {
  return { stranger: all('NOT_FOUND'), member, admin: all('n/a'), owner: all('n/a'), globalAdmin: all('NOT_FOUND') };
}

const everyone = (outcomes: Record<BlockState, Outcome>): Record<Role, Record<BlockState, Outcome>> => ({
  stranger: outcomes,
  member: outcomes,
  admin: outcomes,
  owner: outcomes,
  globalAdmin: outcomes,
});

const adminsOnly = (): Record<Role, Record<BlockState, Outcome>> => ({ ...everyone(all('FORBIDDEN')), globalAdmin: all('ok') });

const row = <P extends Permission>(
  permission: P,
  caseName: string,
  target: ServiceAuthorizationRow<P>['target'],
  expect: ServiceAuthorizationRow<P>['expect'],
): ServiceAuthorizationRow => ({ permission, case: caseName, target, expect }) as unknown as ServiceAuthorizationRow;

const ownGroupMessage = (world: ServiceWorld, caller: AuthUser) => world.groupMessageOf.get(caller.id) ?? world.groupMessageOf.get(world.other.id)!;

export const SERVICE_AUTHORIZATION_TABLE: ServiceAuthorizationRow[] = [
  row(Permission.ConversationRead, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.ConversationRead, 'direct: history stays readable with a block', (w) => ({ conversationId: w.direct }), inDirect(all('ok'))),
  row(Permission.ConversationPost, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.ConversationPost, 'direct', (w) => ({ conversationId: w.direct }), inDirect(unlessBlocked)),
  row(Permission.ConversationRename, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok', member: 'FORBIDDEN' })),
  row(Permission.ConversationRename, 'direct', (w) => ({ conversationId: w.direct }), inDirect(all('FORBIDDEN'))),
  row(Permission.MembersAdd, 'group, adding the outsider', (w) => ({ conversationId: w.group, userIds: [w.outsider.id] }), {
    ...inGroup({ members: 'ok', member: 'FORBIDDEN' }),
    admin: unlessBlocked,
    owner: unlessBlocked,
  }),
  row(Permission.MembersAdd, 'direct', (w) => ({ conversationId: w.direct, userIds: [w.outsider.id] }), inDirect(all('FORBIDDEN'))),
  row(
    Permission.MemberSetRole,
    'group, of a plain member',
    (w) => ({ conversationId: w.group, userId: w.other.id }),
    inGroup({ members: 'FORBIDDEN', owner: 'ok' }),
  ),
  row(
    Permission.MemberSetRole,
    'group, of someone not in it',
    (w) => ({ conversationId: w.group, userId: w.outsider.id }),
    inGroup({ members: 'FORBIDDEN', owner: 'NOT_FOUND' }),
  ),
  row(
    Permission.MemberRemove,
    'group, a plain member',
    (w) => ({ conversationId: w.group, userId: w.other.id }),
    inGroup({ members: 'ok', member: 'FORBIDDEN' }),
  ),
  row(
    Permission.MemberRemove,
    'group, the owner',
    (w) => ({ conversationId: w.group, userId: w.callers.owner.id }),
    inGroup({ members: 'FORBIDDEN', owner: 'ok' }),
  ),
  row(
    Permission.MemberMute,
    'group, a plain member',
    (w) => ({ conversationId: w.group, userId: w.other.id }),
    inGroup({ members: 'ok', member: 'FORBIDDEN' }),
  ),
  row(
    Permission.MemberMute,
    'group, the owner',
    (w) => ({ conversationId: w.group, userId: w.callers.owner.id }),
    inGroup({ members: 'FORBIDDEN', owner: 'VALIDATION_FAILED' }),
  ),
  row(Permission.MemberMute, 'direct', (w) => ({ conversationId: w.direct, userId: w.other.id }), inDirect(all('FORBIDDEN'))),
  row(Permission.MemberMetadata, 'group, own', (w, caller) => ({ conversationId: w.group, userId: caller.id }), inGroup({ members: 'ok' })),
  row(
    Permission.MemberMetadata,
    'group, a plain member',
    (w) => ({ conversationId: w.group, userId: w.other.id }),
    inGroup({ members: 'ok', member: 'FORBIDDEN' }),
  ),
  row(
    Permission.MemberMetadata,
    'group, the owner',
    (w) => ({ conversationId: w.group, userId: w.callers.owner.id }),
    inGroup({ members: 'FORBIDDEN', owner: 'ok' }),
  ),
  row(Permission.MemberMetadata, 'direct, own', (w, caller) => ({ conversationId: w.direct, userId: caller.id }), inDirect(unlessBlocked)),
  row(
    Permission.MemberMetadata,
    "direct, the other's",
    (w) => ({ conversationId: w.direct, userId: w.other.id }),
    inDirect({ none: 'FORBIDDEN', callerBlocked: 'BLOCKED', blockedByOther: 'BLOCKED' }),
  ),
  row(Permission.ConversationLeave, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.ConversationLeave, 'direct', (w) => ({ conversationId: w.direct }), inDirect(all('FORBIDDEN'))),
  row(Permission.MarkersMove, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.MarkersMove, 'direct', (w) => ({ conversationId: w.direct }), inDirect(unlessBlocked)),
  row(Permission.Typing, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.Typing, 'direct', (w) => ({ conversationId: w.direct }), inDirect(unlessBlocked)),
  row(Permission.RoomJoin, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.RoomJoin, 'direct', (w) => ({ conversationId: w.direct }), inDirect(all('ok'))),
  row(
    Permission.MessageEdit,
    'group, own message',
    (w, caller) => ({ conversationId: w.group, messageId: ownGroupMessage(w, caller) }),
    inGroup({ members: 'ok' }),
  ),
  row(
    Permission.MessageEdit,
    "group, someone else's",
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }),
    inGroup({ members: 'FORBIDDEN' }),
  ),
  row(
    Permission.MessageEdit,
    'direct, own message',
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.callers.member.id)! }),
    inDirect(unlessBlocked),
  ),
  row(
    Permission.MessageDelete,
    "group, someone else's",
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }),
    inGroup({ members: 'ok', member: 'FORBIDDEN' }),
  ),
  row(
    Permission.MessageDelete,
    'direct, own message: blocks never keep words up',
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.callers.member.id)! }),
    inDirect(all('ok')),
  ),
  row(
    Permission.MessageDelete,
    "direct, the other's",
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.other.id)! }),
    inDirect(all('FORBIDDEN')),
  ),
  row(Permission.MessageReact, 'group', (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }), inGroup({ members: 'ok' })),
  row(Permission.MessageReact, 'direct', (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.other.id)! }), inDirect(unlessBlocked)),
  row(
    Permission.MessagePin,
    "group, someone else's message",
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }),
    inGroup({ members: 'ok', member: 'FORBIDDEN' }),
  ),
  row(
    Permission.MessagePin,
    "direct, the other's message",
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.other.id)! }),
    inDirect(unlessBlocked),
  ),
  row(Permission.ThreadMarkersMove, 'group', (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }), inGroup({ members: 'ok' })),
  row(Permission.ThreadMarkersMove, 'direct', (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.other.id)! }), inDirect(unlessBlocked)),
  row(
    Permission.ThreadMarkersMove,
    'group, a message of another conversation',
    (w) => ({ conversationId: w.group, messageId: w.directMessageOf.get(w.other.id)! }),
    inGroup({ members: 'NOT_FOUND' }),
  ),
  row(Permission.MentionAll, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok', member: 'FORBIDDEN' })),
  row(Permission.MentionAll, 'direct', (w) => ({ conversationId: w.direct }), inDirect(all('FORBIDDEN'))),
  row(Permission.OwnState, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok' })),
  row(Permission.OwnState, "direct: one's own view, whatever the blocks", (w) => ({ conversationId: w.direct }), inDirect(all('ok'))),
  row(
    Permission.MessageForward,
    'from the group into the direct conversation',
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)!, toConversationId: w.direct }),
    inDirect(unlessBlocked),
  ),
  row(
    Permission.MessageForward,
    'from the direct conversation into the group',
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.other.id)!, toConversationId: w.group }),
    inDirect(all('ok')),
  ),
  row(
    Permission.MessageForward,
    'within the group',
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)!, toConversationId: w.group }),
    inGroup({ members: 'ok' }),
  ),
  row(Permission.ConversationMetadata, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok', member: 'FORBIDDEN' })),
  row(Permission.ConversationMetadata, 'direct', (w) => ({ conversationId: w.direct }), inDirect(unlessBlocked)),
  row(Permission.ConversationRetention, 'group', (w) => ({ conversationId: w.group }), inGroup({ members: 'ok', member: 'FORBIDDEN' })),
  row(Permission.ConversationRetention, 'direct: not refused by blocks', (w) => ({ conversationId: w.direct }), inDirect(all('ok'))),
  row(
    Permission.MessageMetadata,
    'group, own message',
    (w, caller) => ({ conversationId: w.group, messageId: ownGroupMessage(w, caller) }),
    inGroup({ members: 'ok' }),
  ),
  row(
    Permission.MessageMetadata,
    "group, someone else's",
    (w) => ({ conversationId: w.group, messageId: w.groupMessageOf.get(w.other.id)! }),
    inGroup({ members: 'FORBIDDEN' }),
  ),
  row(
    Permission.MessageMetadata,
    'direct, own message',
    (w) => ({ conversationId: w.direct, messageId: w.directMessageOf.get(w.callers.member.id)! }),
    inDirect(unlessBlocked),
  ),
  row(Permission.DirectOpen, 'with the outsider', (w) => ({ userId: w.outsider.id }), everyone(unlessBlocked)),
  row(Permission.DirectOpen, 'with oneself', (_w, caller) => ({ userId: caller.id }), everyone(all('VALIDATION_FAILED'))),
  row(Permission.GroupCreate, 'with the outsider', (w) => ({ userIds: [w.outsider.id] }), everyone(unlessBlocked)),
  row(Permission.MediaRead, 'attached to a message of the group', (w) => ({ mediaId: w.otherUpload }), inGroup({ members: 'ok' })),
  row(Permission.MediaRead, 'own upload, attached to nothing', (w, caller) => ({ mediaId: w.ownUploadOf.get(caller.id)! }), everyone(all('ok'))),
  row(Permission.MediaAttach, 'own upload', (w, caller) => ({ mediaIds: [w.ownUploadOf.get(caller.id)!] }), everyone(all('ok'))),
  row(Permission.MediaAttach, "someone else's upload", (w) => ({ mediaIds: [w.otherUpload] }), everyone(all('VALIDATION_FAILED'))),
  row(Permission.MediaDelete, 'own upload', (w, caller) => ({ mediaId: w.ownUploadOf.get(caller.id)! }), everyone(all('ok'))),
  row(Permission.MediaDelete, "someone else's, attached in the group", (w) => ({ mediaId: w.otherUpload }), inGroup({ members: 'FORBIDDEN' })),
  row(Permission.AvatarSet, 'own image', (w, caller) => ({ mediaId: w.ownUploadOf.get(caller.id)! }), everyone(all('ok'))),
  row(Permission.AvatarSet, "someone else's image", (w) => ({ mediaId: w.otherUpload }), everyone(all('VALIDATION_FAILED'))),
  row(Permission.AdminUsers, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminStats, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminMessages, 'a message of a group the admin is not in', (w) => ({ messageId: w.groupMessageOf.get(w.other.id)! }), adminsOnly()),
  row(Permission.AdminAudit, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminReports, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminRetention, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminBots, 'any', () => ({}), adminsOnly()),
  row(Permission.AdminWebhooks, 'any', () => ({}), adminsOnly()),
  row(Permission.ReportMessage, "group, another member's", (w) => ({ messageId: w.groupMessageOf.get(w.other.id)! }), inGroup({ members: 'ok' })),
  row(Permission.ReportMessage, 'group, own', (w, caller) => ({ messageId: ownGroupMessage(w, caller) }), inGroup({ members: 'VALIDATION_FAILED' })),
  row(
    Permission.ReportMessage,
    "direct, the other's: blocks do not stop a report",
    (w) => ({ messageId: w.directMessageOf.get(w.other.id)! }),
    inDirect(all('ok')),
  ),
  row(Permission.ReportUser, 'the outsider: no shared conversation needed, blocks do not stop it', (w) => ({ userId: w.outsider.id }), everyone(all('ok'))),
  row(Permission.ReportUser, 'oneself', (_w, caller) => ({ userId: caller.id }), everyone(all('VALIDATION_FAILED'))),
  // Who receives which event is tested in visibility.service-spec.ts; the permission itself refuses no one.
  row(Permission.EventsReceive, 'any signed-in user', () => ({}), everyone(all('ok'))),
];

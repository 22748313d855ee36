import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AppException, Forbidden, NotFound, RateLimited, ValidationFailed } from '../common/errors/app.exception.js';
import type { StatementPart } from '../database/sql.js';
import { AccessRepository, type MembershipWindow } from './access.repository.js';
import type { ConversationGrant, MemberGrant, MessageGrant, SignedMediaGrant } from './access.types.js';
import { Permission } from './permission.js';

/** In a transaction, optionally locking what the check read (see `GrantLock`). */
export interface AccessOptions {
  manager?: EntityManager;
  lock?: 'conversation' | 'membership';
}

/** What each permission is asked about. */
export interface PermissionTargets {
  'conversation.read': { conversationId: string };
  'conversation.post': { conversationId: string };
  'conversation.rename': { conversationId: string };
  'conversation.members.add': { conversationId: string; userIds: string[] };
  'conversation.members.set-role': { conversationId: string; userId: string };
  'conversation.members.remove': { conversationId: string; userId: string };
  'conversation.members.mute': { conversationId: string; userId: string };
  'conversation.members.metadata': { conversationId: string; userId: string };
  'conversation.leave': { conversationId: string };
  'conversation.markers.move': { conversationId: string };
  'conversation.typing': { conversationId: string };
  'conversation.room.join': { conversationId: string };
  'message.edit': { conversationId: string; messageId: string };
  'message.delete': { conversationId: string; messageId: string };
  'message.react': { conversationId: string; messageId: string };
  'message.pin': { conversationId: string; messageId: string };
  'thread.markers.move': { conversationId: string; messageId: string };
  'conversation.mention-all': { conversationId: string };
  'conversation.own-state': { conversationId: string };
  'message.forward': { conversationId: string; messageId: string; toConversationId: string };
  'conversation.metadata': { conversationId: string };
  'conversation.retention': { conversationId: string };
  'message.metadata': { conversationId: string; messageId: string };
  'direct.open': { userId: string };
  'group.create': { userIds: string[] };
  'media.read': { mediaId: string };
  'media.attach': { mediaIds: string[] };
  'media.delete': { mediaId: string };
  'avatar.set': { mediaId: string };
  'admin.users': Record<string, never>;
  'admin.messages': { messageId: string };
  'admin.stats': Record<string, never>;
  'admin.audit': Record<string, never>;
  'admin.reports': Record<string, never>;
  'admin.retention': Record<string, never>;
  'admin.bots': Record<string, never>;
  'admin.webhooks': Record<string, never>;
  'report.message': { messageId: string };
  'report.user': { userId: string };
  'events.receive': Record<string, never>;
}

/** What a granted permission answers: what the caller needs next, so nothing is queried twice. */
export interface PermissionGrants {
  'conversation.read': ConversationGrant;
  'conversation.post': ConversationGrant;
  'conversation.rename': ConversationGrant;
  'conversation.members.add': ConversationGrant;
  'conversation.members.set-role': MemberGrant;
  'conversation.members.remove': MemberGrant;
  'conversation.members.mute': MemberGrant;
  'conversation.members.metadata': MemberGrant;
  'conversation.leave': ConversationGrant;
  'conversation.markers.move': ConversationGrant;
  'conversation.typing': ConversationGrant;
  'conversation.room.join': ConversationGrant;
  'message.edit': MessageGrant;
  'message.delete': MessageGrant;
  'message.react': MessageGrant;
  'message.pin': MessageGrant;
  'thread.markers.move': MessageGrant;
  'conversation.mention-all': ConversationGrant;
  'conversation.own-state': ConversationGrant;
  'message.forward': MessageGrant & { target: ConversationGrant };
  'conversation.metadata': ConversationGrant;
  'conversation.retention': ConversationGrant;
  'message.metadata': MessageGrant;
  'direct.open': { userId: string };
  'group.create': { userIds: string[] };
  'media.read': { mediaId: string };
  'media.attach': { mediaIds: string[] };
  'media.delete': { mediaId: string; hasThumbnail: boolean };
  'avatar.set': { mediaId: string };
  'admin.users': true;
  'admin.messages': Pick<MessageGrant, 'message'>;
  'admin.stats': true;
  'admin.audit': true;
  'admin.reports': true;
  'admin.retention': true;
  'admin.bots': true;
  'admin.webhooks': true;
  'report.message': { message: { id: string; conversationId: string; senderId: string } };
  'report.user': { userId: string };
  'events.receive': true;
}

const blocked = (message: string) => new Forbidden(message, 'BLOCKED');
const canManage = (grant: ConversationGrant) => grant.role === 'owner' || grant.role === 'admin';

/**
 * The moderation refusals of a send, in this order: muted (even an admin an owner muted), an
 * `announcements` group for a plain member, slow mode for a plain member. The slow-mode wait here is a
 * fast early answer; the send's transaction stamps `last_posted_at` conditionally, which is what holds
 * against concurrent sends on any instance (`ConversationsRepository.stampPost`).
 */
function requireMayPost(grant: ConversationGrant): void {
  if (grant.moderationMute) {
    const until = grant.moderationMute.until;
    throw new AppException(
      HttpStatus.FORBIDDEN,
      'MUTED',
      until ? `You are muted in this conversation until ${new Date(until).toISOString()}` : 'You are muted in this conversation',
      until ? [{ field: 'until', message: new Date(until).toISOString() }] : undefined,
    );
  }
  if (canManage(grant)) return;
  if (grant.mode === 'announcements') throw new AppException(HttpStatus.FORBIDDEN, 'READ_ONLY', 'Only the owner and admins post in this group');
  if (grant.slowModeWaitSeconds > 0) throw slowMode(grant.slowModeWaitSeconds);
}

/** 429 `SLOW_MODE`: `retry-after` on REST, `retryAfter` in the details and in a socket acknowledgement. */
export function slowMode(retryAfterSeconds: number): RateLimited {
  return new RateLimited(retryAfterSeconds, 'SLOW_MODE', `Slow mode: you can post again in ${retryAfterSeconds} s`, [
    { field: 'retryAfter', message: String(retryAfterSeconds) },
  ]);
}

/**
 * Decides every permission (see `permission.ts`), in one `switch`: the first call of every service
 * method that acts for a caller, of every socket handler (through the services), and of `/sync`.
 * `require` answers what the caller needs next or throws the refusal; `check` answers a boolean.
 * All SQL behind the decisions is in `AccessRepository`.
 */
@Injectable()
export class AccessService {
  constructor(private readonly repository: AccessRepository) {}

  async check<P extends Permission>(user: AuthUser, permission: P, target: PermissionTargets[P], options: AccessOptions = {}): Promise<boolean> {
    try {
      await this.require(user, permission, target, options);
      return true;
    } catch (error) {
      if (error instanceof AppException && error.getStatus() < 500) return false;
      throw error;
    }
  }

  require<P extends Permission>(user: AuthUser, permission: P, target: PermissionTargets[P], options: AccessOptions = {}): Promise<PermissionGrants[P]> {
    return this.decide(user, permission, target, options) as Promise<PermissionGrants[P]>;
  }

  /** The ids of the conversations the user is a member of (search without a conversation, presence). */
  conversationIdsOf(user: Pick<AuthUser, 'id'>): Promise<string[]> {
    return this.repository.conversationIdsOf(user.id);
  }

  /** `conversationIdsOf` for many users at once (presence announcing a storm of comings and goings). */
  conversationIdsOfMany(userIds: string[]): Promise<string[][]> {
    return this.repository.conversationIdsOfMany(userIds);
  }

  /** Of `userIds`, those with no block either way with the caller (a blocked user is never notified of, or by, the other). */
  async unblockedAmong(user: Pick<AuthUser, 'id'>, userIds: string[], manager?: EntityManager): Promise<string[]> {
    const blockedIds = new Set(await this.repository.blockedWith(user.id, userIds, manager));
    return userIds.filter((id) => !blockedIds.has(id));
  }

  /** `events.receive` for live delivery: the user's memberships with where each window starts (see RoomSync). */
  membershipWindows(userId: string, limit: number, conversationId?: string): Promise<{ windows: MembershipWindow[]; head: bigint }> {
    return this.repository.membershipWindows(userId, limit, conversationId);
  }

  /** `events.receive` for `/sync`: the events the user may see above `since`, oldest first, as the part `visible` (rows of `VisibleEventRow`). */
  async visibleEventsPart(user: AuthUser, since: bigint, limit: number): Promise<StatementPart> {
    await this.require(user, Permission.EventsReceive, {});
    return this.repository.visibleEventsPart(user.id, since, limit);
  }

  private async decide(user: AuthUser, permission: Permission, target: object, options: AccessOptions): Promise<unknown> {
    switch (permission) {
      case Permission.ConversationRead:
      case Permission.RoomJoin:
      case Permission.OwnState:
        return this.member(user, target as { conversationId: string }, options);

      case Permission.ConversationPost: {
        const grant = await this.member(user, target as { conversationId: string }, options);
        if (grant.blocked) throw blocked('You cannot message this user');
        requireMayPost(grant);
        return grant;
      }

      case Permission.MarkersMove:
      case Permission.Typing:
        return this.unblockedMember(user, target as { conversationId: string }, options);

      case Permission.ConversationRename: {
        const grant = await this.group(user, target as { conversationId: string }, options);
        if (!canManage(grant)) throw new Forbidden('Only an owner or admin can rename the conversation');
        return grant;
      }

      case Permission.MembersAdd: {
        const { conversationId, userIds } = target as PermissionTargets['conversation.members.add'];
        const grant = await this.group(user, { conversationId }, options);
        if (!canManage(grant)) throw new Forbidden('Only an owner or admin can add members');
        await this.requireNoBlocks(user, userIds, 'You cannot add a user to a group who blocked you or whom you blocked', options);
        return grant;
      }

      case Permission.MemberSetRole: {
        const { conversationId, userId } = target as PermissionTargets['conversation.members.set-role'];
        const grant = await this.group(user, { conversationId }, options);
        if (grant.role !== 'owner') throw new Forbidden('Only the owner can change roles');
        return { ...grant, targetRole: await this.targetRole(grant, userId, options) } satisfies MemberGrant;
      }

      case Permission.MemberRemove: {
        const { conversationId, userId } = target as PermissionTargets['conversation.members.remove'];
        const grant = await this.group(user, { conversationId }, options);
        if (userId === user.id) return { ...grant, targetRole: grant.role } satisfies MemberGrant;
        const targetRole = await this.targetRole(grant, userId, options);
        if (!(grant.role === 'owner' || (grant.role === 'admin' && targetRole === 'member'))) {
          throw new Forbidden(
            grant.role === 'admin' ? 'An admin can remove members, not the owner or other admins' : 'Only an owner or admin can remove members',
          );
        }
        return { ...grant, targetRole } satisfies MemberGrant;
      }

      case Permission.MemberMute: {
        const { conversationId, userId } = target as PermissionTargets['conversation.members.mute'];
        const grant = await this.group(user, { conversationId }, options);
        if (!canManage(grant)) throw new Forbidden('Only an owner or admin can mute members');
        const targetRole = await this.targetRole(grant, userId, options);
        if (userId === user.id) throw new ValidationFailed([{ field: 'userId', message: 'you cannot mute yourself' }]);
        if (grant.role === 'admin' && targetRole !== 'member') throw new Forbidden('An admin can mute members, not the owner or other admins');
        return { ...grant, targetRole } satisfies MemberGrant;
      }

      case Permission.MemberMetadata: {
        const { conversationId, userId } = target as PermissionTargets['conversation.members.metadata'];
        const grant = await this.unblockedMember(user, { conversationId }, options);
        const targetRole = userId === user.id ? grant.role : await this.targetRole(grant, userId, options);
        const allowed = userId === user.id || grant.role === 'owner' || (grant.role === 'admin' && targetRole === 'member');
        if (!allowed || (userId !== user.id && grant.type !== 'group')) {
          throw new Forbidden("Only the member, the group's owner, or an admin (for a plain member) can change a member's metadata");
        }
        return { ...grant, targetRole } satisfies MemberGrant;
      }

      case Permission.ConversationLeave:
        return this.group(user, target as { conversationId: string }, options);

      case Permission.MessageEdit: {
        const grant = await this.message(user, target as PermissionTargets['message.edit'], options);
        if (grant.message.senderId !== user.id) throw new Forbidden('Only the sender can edit a message');
        if (grant.blocked) throw blocked('You cannot edit messages in a conversation with a blocked user');
        return grant;
      }

      case Permission.MessageDelete: {
        const grant = await this.message(user, target as PermissionTargets['message.delete'], options);
        const allowed = grant.message.senderId === user.id || canManage(grant) || user.role === 'admin';
        if (!allowed) throw new Forbidden('Only the sender or an owner or admin of the conversation can delete this message');
        return grant;
      }

      case Permission.MessageReact: {
        const grant = await this.message(user, target as PermissionTargets['message.react'], options);
        if (grant.blocked) throw blocked('You cannot react in a conversation with a blocked user');
        return grant;
      }

      case Permission.MessagePin: {
        const grant = await this.message(user, target as PermissionTargets['message.pin'], options);
        if (grant.type === 'group' && !canManage(grant)) throw new Forbidden('Only an owner or admin can pin messages in a group');
        if (grant.blocked) throw blocked('You cannot pin messages in a conversation with a blocked user');
        return grant;
      }

      case Permission.ThreadMarkersMove: {
        const grant = await this.message(user, target as PermissionTargets['thread.markers.move'], options);
        if (grant.blocked) throw blocked('This conversation is closed: one of you blocked the other');
        return grant;
      }

      case Permission.MentionAll: {
        const grant = await this.group(user, target as PermissionTargets['conversation.mention-all'], options);
        if (!canManage(grant)) throw new Forbidden('Only an owner or admin can mention everyone');
        return grant;
      }

      case Permission.MessageForward: {
        const { conversationId, messageId, toConversationId } = target as PermissionTargets['message.forward'];
        const source = await this.message(user, { conversationId, messageId }, options);
        const to = await this.member(user, { conversationId: toConversationId }, options);
        if (to.blocked) throw blocked('You cannot message this user');
        requireMayPost(to);
        return { ...source, target: to };
      }

      case Permission.ConversationMetadata: {
        const grant = await this.unblockedMember(user, target as PermissionTargets['conversation.metadata'], options);
        if (grant.type === 'group' && !canManage(grant)) throw new Forbidden("Only an owner or admin can change a group's metadata");
        return grant;
      }

      case Permission.ConversationRetention: {
        const grant = await this.member(user, target as PermissionTargets['conversation.retention'], options);
        if (grant.type === 'group' && !canManage(grant)) throw new Forbidden("Only an owner or admin can change a group's retention");
        return grant;
      }

      case Permission.MessageMetadata: {
        const grant = await this.message(user, target as PermissionTargets['message.metadata'], options);
        if (grant.message.senderId !== user.id) throw new Forbidden("Only the sender can change a message's metadata");
        if (grant.blocked) throw blocked('You cannot change messages in a conversation with a blocked user');
        return grant;
      }

      case Permission.DirectOpen: {
        const { userId } = target as PermissionTargets['direct.open'];
        if (userId === user.id) throw new ValidationFailed([{ field: 'userId', message: 'you cannot open a direct conversation with yourself' }]);
        if (!(await this.repository.isActiveUser(userId, options.manager))) throw new NotFound('User');
        await this.requireNoBlocks(user, [userId], 'You cannot open a conversation with this user', options);
        return { userId };
      }

      case Permission.GroupCreate: {
        const { userIds } = target as PermissionTargets['group.create'];
        await this.requireNoBlocks(user, userIds, 'You cannot add a user to a group who blocked you or whom you blocked', options);
        return { userIds };
      }

      case Permission.MediaRead: {
        const { mediaId } = target as PermissionTargets['media.read'];
        if (!(await this.repository.canReadMedia(mediaId, user.id, options.manager))) throw new NotFound('Media');
        return { mediaId };
      }

      case Permission.MediaAttach: {
        const { mediaIds } = target as PermissionTargets['media.attach'];
        const own = await this.repository.lockOwnUploads(this.transaction(options), user.id, mediaIds);
        if (own.size !== new Set(mediaIds).size) {
          throw new ValidationFailed([{ field: 'attachmentIds', message: 'attachments must be files you uploaded' }], 'attachments must be files you uploaded');
        }
        return { mediaIds };
      }

      case Permission.MediaDelete: {
        const { mediaId } = target as PermissionTargets['media.delete'];
        const upload = await this.repository.lockUpload(this.transaction(options), mediaId);
        if (!upload || !(await this.repository.canReadMedia(mediaId, user.id, options.manager))) throw new NotFound('Media');
        if (upload.uploaderId !== user.id) throw new Forbidden('Only the uploader can delete an upload');
        return { mediaId, hasThumbnail: upload.hasThumbnail };
      }

      case Permission.AvatarSet: {
        const { mediaId } = target as PermissionTargets['avatar.set'];
        const own = await this.repository.lockOwnUploads(this.transaction(options), user.id, [mediaId], true);
        if (!own.has(mediaId)) throw new ValidationFailed([{ field: 'avatarMediaId', message: 'avatarMediaId must be an image you uploaded' }]);
        return { mediaId };
      }

      case Permission.AdminUsers:
      case Permission.AdminStats:
      case Permission.AdminAudit:
      case Permission.AdminReports:
      case Permission.AdminRetention:
      case Permission.AdminBots:
      case Permission.AdminWebhooks:
        this.requireAdmin(user);
        return true;

      case Permission.AdminMessages: {
        this.requireAdmin(user);
        const message = await this.repository.lockMessage(this.transaction(options), (target as PermissionTargets['admin.messages']).messageId);
        if (!message) throw new NotFound('Message');
        return { message };
      }

      case Permission.ReportMessage: {
        const { messageId } = target as PermissionTargets['report.message'];
        const message = await this.repository.visibleMessage(user.id, messageId, options.manager);
        if (!message || message.deleted) throw new NotFound('Message');
        if (message.senderId === user.id) throw new ValidationFailed([{ field: 'messageId', message: 'you cannot report your own message' }]);
        return { message: { id: message.id, conversationId: message.conversationId, senderId: message.senderId } };
      }

      case Permission.ReportUser: {
        const { userId } = target as PermissionTargets['report.user'];
        if (userId === user.id) throw new ValidationFailed([{ field: 'userId', message: 'you cannot report yourself' }]);
        if (!(await this.repository.userExists(userId, options.manager))) throw new NotFound('User');
        return { userId };
      }

      case Permission.EventsReceive:
        return true;
    }
  }

  /**
   * Whether the rule a signed media URL was issued under still holds, checked at every load of the URL:
   * for a viewer, `media.read` for that user (who must not be banned); for a conversation's attachment, a
   * message of that conversation that is not deleted carries it; for an avatar, it is still the avatar of
   * a user who is not banned. Otherwise 404, as for an upload that does not exist.
   */
  async requireMediaGrant(mediaId: string, grant: SignedMediaGrant): Promise<void> {
    const holds =
      grant.kind === 'viewer'
        ? (await this.repository.isActiveUser(grant.userId)) && (await this.repository.canReadMedia(mediaId, grant.userId))
        : grant.kind === 'conversation'
          ? await this.repository.mediaInConversation(mediaId, grant.conversationId)
          : await this.repository.isCurrentAvatar(mediaId);
    if (!holds) throw new NotFound('Media');
  }

  private requireAdmin(user: AuthUser): void {
    if (user.role !== 'admin') throw new Forbidden('Admins only');
  }

  /** 404 for a non-member, exactly as for a conversation that does not exist. */
  private async member(user: AuthUser, { conversationId }: { conversationId: string }, options: AccessOptions): Promise<ConversationGrant> {
    const grant = await this.repository.conversation(user.id, conversationId, options.manager, options.lock);
    if (!grant) throw new NotFound('Conversation');
    return grant;
  }

  private async unblockedMember(user: AuthUser, target: { conversationId: string }, options: AccessOptions): Promise<ConversationGrant> {
    const grant = await this.member(user, target, options);
    if (grant.blocked) throw blocked('This conversation is closed: one of you blocked the other');
    return grant;
  }

  private async group(user: AuthUser, target: { conversationId: string }, options: AccessOptions): Promise<ConversationGrant> {
    const grant = await this.member(user, target, options);
    if (grant.type !== 'group') throw new Forbidden('A direct conversation has no title, roles or member changes');
    return grant;
  }

  private async targetRole(grant: ConversationGrant, userId: string, options: AccessOptions) {
    const role = await this.repository.roleOf(grant.conversationId, userId, options.manager);
    if (!role) throw new NotFound('Member');
    return role;
  }

  private async message(
    user: AuthUser,
    { conversationId, messageId }: { conversationId: string; messageId: string },
    options: AccessOptions,
  ): Promise<MessageGrant> {
    const grant = await this.member(user, { conversationId }, options);
    const message = await this.repository.lockMessage(this.transaction(options), messageId, conversationId);
    if (!message) throw new NotFound('Message');
    return { ...grant, message };
  }

  private async requireNoBlocks(user: AuthUser, userIds: string[], message: string, options: AccessOptions = {}): Promise<void> {
    const others = userIds.filter((id) => id !== user.id);
    if ((await this.repository.blockedWith(user.id, others, options.manager)).length) throw blocked(message);
  }

  /** Checks that lock rows need the caller's transaction. */
  private transaction(options: AccessOptions): EntityManager {
    if (!options.manager) throw new Error('this permission locks rows: pass the transaction manager');
    return options.manager;
  }
}

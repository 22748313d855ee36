import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ValidationFailed } from '../common/errors/app.exception.js';
import { mergeMetadata } from '../common/metadata/metadata.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import type { NewChatEvent } from '../events/chat-events.js';
import { EventLog } from '../events/event-log.service.js';
import { directKeyOf } from '../memberships/conversation.entity.js';
import { ConversationsRepository } from '../memberships/conversations.repository.js';
import { MEMBERSHIP_CHANGED, type MembershipChanged } from '../memberships/membership.events.js';
import { DependencyUnavailableError } from '../shared-state/shared-state.js';
import { UsersRepository } from '../users/users.repository.js';
import { ConversationViews } from './conversation-views.js';
import { moderationMuteOf } from './conversation.mapper.js';
import { type CreateDirectConversationDto, type CreateGroupConversationDto, MAX_GROUP_MEMBERS } from './dto/create-conversation.dto.js';
import type { ConversationDetailDto, ConversationDto } from './dto/conversation.dto.js';
import type { AddMembersDto, MuteMemberDto, UpdateMemberDto } from './dto/members.dto.js';
import type { MemberRole } from '../access/access.types.js';
import type { UpdateConversationDto } from './dto/update-conversation.dto.js';
import type { ConversationListQuery, UpdateOwnStateDto } from './dto/own-state.dto.js';
import { CONVERSATION_BROUGHT_BACK, type ConversationBroughtBack } from '../memberships/membership.events.js';
import type { MembershipRow, OwnStateChange } from '../memberships/conversations.repository.js';

const OWN_STATE_FIELDS = ['muted', 'muted_until', 'archived', 'hidden', 'pinned_at', 'notification_level'] as const;

function sameOwnState(before: MembershipRow, after: MembershipRow): boolean {
  return OWN_STATE_FIELDS.every((field) => String(before[field]) === String(after[field]));
}

/** The change a PATCH asks for: `mutedUntil` implies muted, unmuting clears it; a mute can't end in the past. */
function ownStateChange(dto: UpdateOwnStateDto): OwnStateChange {
  const change: OwnStateChange = { archived: dto.archived, hidden: dto.hidden, pinned: dto.pinned, notificationLevel: dto.notificationLevel };
  if (dto.mutedUntil !== undefined && dto.mutedUntil !== null) {
    if (dto.muted === false) throw new ValidationFailed([{ field: 'mutedUntil', message: 'mutedUntil needs muted to be true (or left out)' }]);
    if (new Date(dto.mutedUntil) <= new Date()) throw new ValidationFailed([{ field: 'mutedUntil', message: 'mutedUntil must be in the future' }]);
    return { ...change, muted: true, mutedUntil: new Date(dto.mutedUntil).toISOString() };
  }
  if (dto.muted === false) return { ...change, muted: false, mutedUntil: null };
  if (dto.muted === true) return { ...change, muted: true, mutedUntil: dto.mutedUntil ?? null };
  if (dto.mutedUntil === null) return { ...change, mutedUntil: null };
  return change;
}

/** A list cursor: where the page ended, among the pinned conversations or the others. */
function listCursor(cursor: string): { positionAt: string; id: string; pinned: boolean } {
  const position = decodeCursor(cursor, { positionAt: 'timestamp', id: 'uuid', section: 'text' });
  if (position.section !== 'pinned' && position.section !== 'active') throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  return { positionAt: position.positionAt, id: position.id, pinned: position.section === 'pinned' };
}

export interface CreateResult {
  conversation: ConversationDetailDto;
  /** false when the direct conversation already existed. */
  created: boolean;
}

type MarkerKind = 'read' | 'delivered';

/** Lets an error through unless it is the shared state (Redis) being unavailable. */
function unlessUnavailable(error: unknown): void {
  if (!(error instanceof DependencyUnavailableError)) throw error;
}

/**
 * Owns conversations and their membership: creating direct and group conversations, titles, members and
 * roles, and the read and delivered markers. Every method starts with its permission (src/access).
 * Each change writes its durable events in its transaction (`conversation.updated` to every member, each
 * seeing their own unread count and role; the new members' ones are their joins) and announces
 * `membership.changed` after commit.
 */
@Injectable()
export class ConversationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly conversations: ConversationsRepository,
    private readonly users: UsersRepository,
    private readonly views: ConversationViews,
    private readonly eventLog: EventLog,
    private readonly emitter: EventEmitter2,
    private readonly rateLimits: RateLimits,
    private readonly audit: AuditService,
  ) {}

  /** One direct conversation per pair, enforced by `conversation_direct_key_uq`; concurrent opens meet on it. */
  async openDirect(user: AuthUser, dto: CreateDirectConversationDto): Promise<CreateResult> {
    await this.access.require(user, Permission.DirectOpen, { userId: dto.userId });
    const directKey = directKeyOf(user.id, dto.userId);
    const { conversationId, created } = await this.dataSource.transaction(async (manager) => {
      const id = await this.conversations.insertDirect(manager, directKey);
      if (!id) return { conversationId: await this.conversations.directIdByKey(manager, directKey), created: false };
      const added = await this.conversations.addMembers(manager, id, [
        { userId: user.id, role: 'member' },
        { userId: dto.userId, role: 'member' },
      ]);
      await this.announce(manager, id, added);
      return { conversationId: id, created: true };
    });
    if (created) this.afterMembershipChange({ conversationId, addedUserIds: [user.id, dto.userId], removedUserIds: [] });
    return { conversation: await this.views.detail(user, conversationId), created };
  }

  async createGroup(user: AuthUser, dto: CreateGroupConversationDto): Promise<ConversationDetailDto> {
    const others = (dto.memberIds ?? []).filter((id) => id !== user.id);
    await this.requireUsers('memberIds', others);
    await this.access.require(user, Permission.GroupCreate, { userIds: others });
    const members = [{ userId: user.id, role: 'owner' as const }, ...others.map((userId) => ({ userId, role: 'member' as const }))];
    const conversationId = await this.dataSource.transaction(async (manager) => {
      const id = await this.conversations.insertGroup(manager, dto.title);
      const added = await this.conversations.addMembers(manager, id, members);
      await this.announce(manager, id, added);
      return id;
    });
    this.afterMembershipChange({ conversationId, addedUserIds: members.map((member) => member.userId), removedUserIds: [] });
    return this.views.detail(user, conversationId);
  }

  /** Pinned first, then the most recently active; `?archived=true` for the archived ones; hidden ones never. */
  async list(user: AuthUser, query: ConversationListQuery): Promise<Page<ConversationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? listCursor(query.cursor) : undefined;
    const rows = await this.conversations.listForUser({ userId: user.id, archived: query.archived === 'true', after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.views.build(page),
      nextCursor:
        rows.length > limit
          ? encodeCursor(
              last.pinned_position_at
                ? { positionAt: last.pinned_position_at, id: last.id, section: 'pinned' }
                : { positionAt: last.position_at, id: last.id, section: 'active' },
            )
          : null,
    };
  }

  /**
   * The caller's own view: mute (optionally until a time), archive, hide, pin, notification level. Only
   * the caller sees it; a change reaches the caller's devices as `conversation.updated` on their room.
   */
  async updateOwnState(user: AuthUser, conversationId: string, dto: UpdateOwnStateDto): Promise<ConversationDetailDto> {
    const change = ownStateChange(dto);
    await this.change(async (manager) => {
      await this.access.require(user, Permission.OwnState, { conversationId }, { manager, lock: 'membership' });
      const [before] = await this.conversations.membershipsOf(conversationId, [user.id], manager);
      await this.conversations.setOwnState(manager, conversationId, user.id, change);
      const [after] = await this.conversations.membershipsOf(conversationId, [user.id], manager);
      if (sameOwnState(before, after)) return false;
      await this.announceTo(manager, conversationId, [user.id]);
      return true;
    });
    return this.views.detail(user, conversationId);
  }

  /** Groups: owner or admin; direct: either member. Merges keys (null deletes one); the room gets `metadata.updated`. */
  async updateMetadata(user: AuthUser, conversationId: string, patch: unknown): Promise<Record<string, unknown>> {
    let result: Record<string, unknown> = {};
    await this.change(async (manager) => {
      await this.access.require(user, Permission.ConversationMetadata, { conversationId }, { manager, lock: 'conversation' });
      const current = await this.conversations.metadataOf(manager, conversationId);
      result = mergeMetadata(current, patch);
      if (JSON.stringify(result) === JSON.stringify(current)) return false;
      await this.conversations.setMetadata(manager, conversationId, result);
      await this.eventLog.append(manager, {
        type: 'metadata.updated',
        conversationId,
        data: { target: 'conversation', id: conversationId, conversationId, metadata: result },
      });
      return true;
    });
    return result;
  }

  /**
   * A member's custom metadata: the member themself; in a group also the owner (anyone) and admins (plain
   * members). Merges keys (null deletes one) like the other metadata; the room gets `metadata.updated`
   * `{ target: 'member', id: userId, conversationId }`.
   */
  async updateMemberMetadata(user: AuthUser, conversationId: string, userId: string, patch: unknown): Promise<Record<string, unknown>> {
    let result: Record<string, unknown> = {};
    await this.change(async (manager) => {
      await this.access.require(user, Permission.MemberMetadata, { conversationId, userId }, { manager, lock: 'conversation' });
      const current = await this.conversations.memberMetadataOf(manager, conversationId, userId);
      result = mergeMetadata(current, patch);
      if (JSON.stringify(result) === JSON.stringify(current)) return false;
      await this.conversations.setMemberMetadata(manager, conversationId, userId, result);
      await this.eventLog.append(manager, {
        type: 'metadata.updated',
        conversationId,
        data: { target: 'member', id: userId, conversationId, metadata: result },
      });
      return true;
    });
    return result;
  }

  /** After a message: the members it brought back from their archive or hidden list see the conversation again. */
  @OnEvent(CONVERSATION_BROUGHT_BACK)
  async onBroughtBack({ conversationId, userIds }: ConversationBroughtBack): Promise<void> {
    await this.change(async (manager) => {
      await this.announceTo(manager, conversationId, userIds);
      return true;
    });
  }

  get(user: AuthUser, conversationId: string): Promise<ConversationDetailDto> {
    return this.views.detail(user, conversationId);
  }

  /**
   * Groups only; owner or admin: the title, the mode (`announcements`: only the owner and admins post) and
   * slow mode (0 or null: off). Everyone gets `conversation.updated`; a mode or slow-mode change is audited.
   */
  async update(actor: Actor, conversationId: string, dto: UpdateConversationDto): Promise<ConversationDetailDto> {
    if (dto.title === undefined && dto.mode === undefined && dto.slowModeSeconds === undefined) {
      throw new ValidationFailed([{ field: 'title', message: 'give at least one of title, mode and slowModeSeconds' }]);
    }
    await this.change(async (manager) => {
      await this.access.require(actor, Permission.ConversationRename, { conversationId }, { manager, lock: 'conversation' });
      const before = await this.conversations.postingRulesOf(manager, conversationId);
      const after = {
        title: dto.title ?? before.title,
        mode: dto.mode ?? before.mode,
        slowModeSeconds: dto.slowModeSeconds === undefined ? before.slowModeSeconds : (dto.slowModeSeconds ?? 0),
      };
      if (after.title === before.title && after.mode === before.mode && after.slowModeSeconds === before.slowModeSeconds) return false;
      await this.conversations.setPostingRules(manager, conversationId, {
        title: after.title ?? undefined,
        mode: after.mode,
        slowModeSeconds: after.slowModeSeconds,
      });
      if (after.mode !== before.mode) {
        await this.audit.record(manager, actor, {
          type: 'conversation.mode_changed',
          targetType: 'conversation',
          targetId: conversationId,
          before: { mode: before.mode },
          after: { mode: after.mode },
        });
      }
      if (after.slowModeSeconds !== before.slowModeSeconds) {
        await this.audit.record(manager, actor, {
          type: 'conversation.slow_mode_changed',
          targetType: 'conversation',
          targetId: conversationId,
          before: { slowModeSeconds: before.slowModeSeconds },
          after: { slowModeSeconds: after.slowModeSeconds },
        });
      }
      await this.announce(manager, conversationId);
      return true;
    });
    return this.views.detail(actor, conversationId);
  }

  /**
   * Groups only: the owner mutes anyone but themselves, an admin plain members only. A muted member reads
   * but cannot post (403 `MUTED`) until `until` (absent or null: until unmuted); the expiry is compared
   * with the clock at each send, so nothing needs to run when it passes. Muting again replaces the expiry.
   * The room hears `member.updated`; the change is audited. Answers nothing (204) — unchanged or not.
   */
  async mute(actor: Actor, conversationId: string, userId: string, dto: MuteMemberDto): Promise<void> {
    const until = dto.until ?? null;
    if (until !== null && new Date(until) <= new Date()) throw new ValidationFailed([{ field: 'until', message: 'until must be in the future' }]);
    await this.setMute(actor, conversationId, userId, true, until === null ? null : new Date(until).toISOString());
  }

  async unmute(actor: Actor, conversationId: string, userId: string): Promise<void> {
    await this.setMute(actor, conversationId, userId, false, null);
  }

  private async setMute(actor: Actor, conversationId: string, userId: string, muted: boolean, until: string | null): Promise<void> {
    await this.change(async (manager) => {
      const { targetRole } = await this.access.require(actor, Permission.MemberMute, { conversationId, userId }, { manager, lock: 'conversation' });
      return this.applyMute(manager, actor, { conversationId, userId, role: targetRole }, muted, until);
    });
  }

  /**
   * A global admin's mute, resolving a report (`mute_user`), inside the caller's transaction: the same
   * row, audit entry and `member.updated` as an owner's mute, for the sender of a group message. The
   * caller has checked the admin; here only that it is a group and they are still a member (else 400).
   * Answers whether anything changed (the caller kicks the event log after commit).
   */
  async muteForModeration(manager: EntityManager, actor: Actor, conversationId: string, userId: string, until: string | null): Promise<boolean> {
    const refuse = (message: string) => new ValidationFailed([{ field: 'action', message }], message);
    if (until !== null && new Date(until) <= new Date()) throw new ValidationFailed([{ field: 'until', message: 'until must be in the future' }]);
    const [membership] = await this.conversations.membershipsOf(conversationId, [userId], manager);
    if (!membership) throw refuse('mute_user: the sender is no longer a member of the conversation');
    if (membership.type !== 'group') throw refuse('mute_user applies to messages in groups only');
    // The owner can't be muted in their own group (they would unmute themselves): delete_message or ban_user.
    if (membership.role === 'owner') throw refuse('mute_user: the sender owns the group; delete the message or ban the user instead');
    return this.applyMute(manager, actor, { conversationId, userId, role: membership.role }, true, until === null ? null : new Date(until).toISOString());
  }

  private async applyMute(
    manager: EntityManager,
    actor: Actor,
    member: { conversationId: string; userId: string; role: MemberRole },
    muted: boolean,
    until: string | null,
  ): Promise<boolean> {
    const { conversationId, userId } = member;
    const before = moderationMuteOf(await this.conversations.moderationMuteOf(manager, conversationId, userId));
    const after = { moderationMuted: muted, moderationMutedUntil: until };
    if (before.moderationMuted === after.moderationMuted && before.moderationMutedUntil === after.moderationMutedUntil) return false;
    await this.conversations.setModerationMute(manager, conversationId, userId, muted, until);
    await this.audit.record(manager, actor, {
      type: muted ? 'member.muted' : 'member.unmuted',
      targetType: 'user',
      targetId: userId,
      before: { conversationId, muted: before.moderationMuted, until: before.moderationMutedUntil },
      after: { conversationId, muted, until },
    });
    await this.eventLog.append(manager, {
      type: 'member.updated',
      conversationId,
      data: { conversationId, userId, role: member.role, ...after },
    });
    return true;
  }

  /** Groups only; owner or admin; not users who blocked the caller or whom the caller blocked. Users already in are left as they are. */
  async addMembers(user: AuthUser, conversationId: string, dto: AddMembersDto): Promise<ConversationDetailDto> {
    await this.access.require(user, Permission.ConversationRead, { conversationId });
    await this.requireUsers('userIds', dto.userIds);
    let added: string[] = [];
    await this.change(async (manager) => {
      await this.access.require(user, Permission.MembersAdd, { conversationId, userIds: dto.userIds }, { manager, lock: 'conversation' });
      await this.rateLimits.consume(RateLimit.MembershipChanges, user.id);
      added = await this.conversations.addMembers(
        manager,
        conversationId,
        dto.userIds.map((userId) => ({ userId, role: 'member' as const })),
      );
      if (!added.length) return false;
      if ((await this.conversations.memberCount(manager, conversationId)) > MAX_GROUP_MEMBERS) {
        throw new ValidationFailed([{ field: 'userIds', message: `a group has at most ${MAX_GROUP_MEMBERS} members` }]);
      }
      await this.announce(manager, conversationId, added);
      return true;
    });
    if (added.length) this.afterMembershipChange({ conversationId, addedUserIds: added, removedUserIds: [] }, false);
    return this.views.detail(user, conversationId);
  }

  /** Groups only; the owner promotes members to admin or demotes admins. Ownership passes only when the owner leaves. */
  async setRole(user: AuthUser, conversationId: string, userId: string, dto: UpdateMemberDto): Promise<ConversationDetailDto> {
    await this.change(async (manager) => {
      const { targetRole } = await this.access.require(user, Permission.MemberSetRole, { conversationId, userId }, { manager, lock: 'conversation' });
      if (targetRole === 'owner') throw new ValidationFailed([{ field: 'userId', message: "the owner's role can't be changed" }]);
      await this.rateLimits.consume(RateLimit.MembershipChanges, user.id);
      if (targetRole === dto.role) return false;
      await this.conversations.setRole(manager, conversationId, userId, dto.role);
      await this.announceRole(manager, conversationId, userId, dto.role);
      return true;
    });
    return this.views.detail(user, conversationId);
  }

  /**
   * Groups only. Anyone may leave; the owner removes anyone, an admin removes plain members only. When the
   * owner leaves, the longest-standing admin becomes owner, or else the longest-standing member. The last
   * member leaving leaves the conversation empty: nobody can see it any more.
   */
  async removeMember(user: AuthUser, conversationId: string, userId: string): Promise<void> {
    await this.change(async (manager) => {
      const options = { manager, lock: 'conversation' as const };
      const { targetRole } =
        userId === user.id
          ? { targetRole: (await this.access.require(user, Permission.ConversationLeave, { conversationId }, options)).role }
          : await this.access.require(user, Permission.MemberRemove, { conversationId, userId }, options);
      // Leaving is never limited: anyone can always get out. Removing someone else counts, but an outage of
      // the budget's store never stands between an owner and removing an abuser.
      if (userId !== user.id) await this.rateLimits.consume(RateLimit.MembershipChanges, user.id).catch(unlessUnavailable);
      await this.conversations.removeMember(manager, conversationId, userId);
      if (targetRole === 'owner') await this.conversations.handOverOwnership(manager, conversationId);
      await this.eventLog.append(manager, { type: 'conversation.removed', userId, data: { conversationId } });
      await this.announce(manager, conversationId);
      return true;
    });
    this.afterMembershipChange({ conversationId, addedUserIds: [], removedUserIds: [userId] }, false);
  }

  /** Moves the caller's read marker (and delivered with it: what is read was delivered) forward only. */
  markRead(user: AuthUser, conversationId: string, seq: number): Promise<void> {
    return this.moveMarkers(user, conversationId, seq, 'read');
  }

  /** Moves the caller's delivered marker forward only. */
  markDelivered(user: AuthUser, conversationId: string, seq: number): Promise<void> {
    return this.moveMarkers(user, conversationId, seq, 'delivered');
  }

  /**
   * A seq beyond the newest message counts as the newest (a client may race a message it hasn't got yet);
   * a `receipt` goes out only for a marker that actually moved. The access check locks the membership row,
   * so concurrent moves of one member's markers happen one at a time.
   */
  private async moveMarkers(user: AuthUser, conversationId: string, seq: number, kind: MarkerKind): Promise<void> {
    await this.change(async (manager) => {
      const markers = await this.access.require(user, Permission.MarkersMove, { conversationId }, { manager, lock: 'membership' });
      if (!Number.isSafeInteger(seq) || seq < 0) throw new ValidationFailed([{ field: 'seq', message: 'seq must be a whole number, 0 or more' }]);
      const target = Math.min(seq, markers.lastSeq);
      const read = kind === 'read' && target > markers.lastReadSeq;
      const delivered = target > markers.lastDeliveredSeq;
      if (!read && !delivered) return false;
      await this.conversations.setMarkers(manager, conversationId, user.id, {
        lastReadSeq: read ? target : markers.lastReadSeq,
        lastDeliveredSeq: target,
      });
      const receipt = (type: MarkerKind): NewChatEvent => ({ type: 'receipt', conversationId, data: { conversationId, userId: user.id, type, seq: target } });
      await this.eventLog.append(manager, ...(delivered ? [receipt('delivered')] : []), ...(read ? [receipt('read')] : []));
      return true;
    });
  }

  /**
   * Runs a change in one transaction that starts with its permission check (which locks the conversation
   * row, so membership changes of one conversation happen one at a time). `apply` answers whether
   * anything changed (and so whether events were written).
   */
  private async change(apply: (manager: EntityManager) => Promise<boolean>): Promise<void> {
    const changed = await this.dataSource.transaction(apply);
    if (changed) this.eventLog.kick();
  }

  private async requireUsers(field: string, userIds: string[]): Promise<void> {
    const existing = await this.users.activeIds(userIds);
    const unknown = userIds.filter((id) => !existing.has(id));
    if (unknown.length) throw new ValidationFailed([{ field, message: `unknown users: ${unknown.join(', ')}` }]);
  }

  /**
   * `conversation.updated` to each current member, as that member sees the conversation. For the members
   * in `joined`, that event is their join: its id goes on the membership, and their window of the
   * conversation's events starts at its position.
   */
  private async announce(manager: EntityManager, conversationId: string, joined: string[] = []): Promise<void> {
    const rows = await this.conversations.membershipsOf(conversationId, undefined, manager);
    const views = await this.views.build(rows, manager, { lock: true });
    const ids = await this.eventLog.append(
      manager,
      ...views.map((data, index): NewChatEvent => ({ type: 'conversation.updated', userId: rows[index].user_id, data, messageId: data.lastMessage?.id })),
    );
    const newcomers = new Set(joined);
    await this.conversations.setJoinedEvents(
      manager,
      conversationId,
      rows.flatMap((row, index) => (newcomers.has(row.user_id) ? [{ userId: row.user_id, eventId: ids[index] }] : [])),
    );
  }

  /** `conversation.updated` to some members only, each as that member sees the conversation. */
  private async announceTo(manager: EntityManager, conversationId: string, userIds: string[]): Promise<void> {
    const rows = await this.conversations.membershipsOf(conversationId, userIds, manager);
    const views = await this.views.build(rows, manager, { lock: true });
    await this.eventLog.append(
      manager,
      ...views.map((data, index): NewChatEvent => ({ type: 'conversation.updated', userId: rows[index].user_id, data, messageId: data.lastMessage?.id })),
    );
  }

  /**
   * A role changed: only the member concerned sees the conversation differently (`myRole`), so only they
   * get a `conversation.updated`; the room hears it once, as `member.updated` — not one event per member.
   */
  private async announceRole(manager: EntityManager, conversationId: string, userId: string, role: MemberRole): Promise<void> {
    const rows = await this.conversations.membershipsOf(conversationId, [userId], manager);
    const [view] = await this.views.build(rows, manager, { lock: true });
    await this.eventLog.append(
      manager,
      { type: 'conversation.updated', userId, data: view, messageId: view.lastMessage?.id },
      {
        type: 'member.updated',
        conversationId,
        data: { conversationId, userId, role, ...moderationMuteOf(await this.conversations.moderationMuteOf(manager, conversationId, userId)) },
      },
    );
  }

  /** After commit: the durable events were kicked by `change`; this instance's sockets move rooms at once. */
  private afterMembershipChange(change: MembershipChanged, kick = true): void {
    if (kick) this.eventLog.kick();
    this.emitter.emit(MEMBERSHIP_CHANGED, change);
  }
}

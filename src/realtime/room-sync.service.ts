import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AppException } from '../common/errors/app.exception.js';
import { HeavyWorkAdmission } from '../common/concurrency/heavy-work-admission.js';
import type { SequencedEvent } from '../events/chat-events.js';
import { MEMBERSHIP_CHANGED, type MembershipChanged } from '../memberships/membership.events.js';
import { type ChatSocket, RealtimeServer } from './realtime-server.js';
import { conversationRoom, interned, MAX_CONVERSATION_ROOMS, sharedConversationRoom, userRoom } from './rooms.js';

const CONVERSATION_ROOM_PREFIX = conversationRoom('');

class RoomLimitReached extends AppException {
  constructor() {
    super(HttpStatus.CONFLICT, 'ROOM_LIMIT', `A socket can be in at most ${MAX_CONVERSATION_ROOMS} conversation rooms: leave one first`);
  }
}

/**
 * A local user's membership of one conversation, as far as this instance knows. `joinedAt` is the
 * position of the join's event (null: not sequenced yet, nothing to deliver); `removedAt` the position of
 * the removal's event, or `'local'` for a removal made on this instance whose event is still to come.
 */
interface KnownMembership {
  joinedAt: bigint | null;
  removedAt: bigint | 'local' | null;
}

interface LocalUser {
  /** Membership changes sequenced at or below this were read from the database and are in `conversations`. */
  loadedThrough: bigint;
  conversations: Map<string, KnownMembership>;
  sockets: number;
  /** Counts the membership changes applied to this user's rooms here: a handshake that saw none since its read needn't read again. */
  changes: number;
}

/**
 * Which conversation rooms this instance's sockets are in, and which of their users may receive a
 * conversation's events — decided here, on the instance holding the socket, so a lost room update
 * (Redis down, a publish that failed) can never deliver a removed member anything. For each user with a
 * socket here it keeps the memberships read at connect (`events.receive`: with where each window of
 * events starts), then follows the ordered event stream itself: `conversation.updated` to a user at
 * position P is a membership from P on, `conversation.removed` at P ends it. A change made on this
 * instance applies at once (`membership.changed`), before its events come round.
 */
@Injectable()
export class RoomSync {
  private readonly logger = new Logger(RoomSync.name);
  private readonly users = new Map<string, LocalUser>();
  /** Rooms a socket left with `conversation.leave`: a later re-read of its memberships doesn't put it back. */
  private readonly left = new WeakMap<ChatSocket, Set<string>>();
  /** What a handshake's socket knew of its user just before it read the memberships. */
  private readonly handshakes = new WeakMap<ChatSocket, { user: LocalUser; changes: number }>();

  constructor(
    private readonly access: AccessService,
    private readonly realtime: RealtimeServer,
    private readonly admission: HeavyWorkAdmission,
  ) {}

  /** Handshake: the user's memberships (the most recently active first) and their rooms. */
  async connect(socket: ChatSocket): Promise<void> {
    const user = this.local(socket.data.userId);
    user.sockets += 1;
    this.handshakes.set(socket, { user, changes: user.changes });
    const rooms = await this.load(socket.data.userId);
    await socket.join(rooms.map(sharedConversationRoom));
  }

  disconnected(socket: ChatSocket): void {
    const user = this.users.get(socket.data.userId);
    if (user && --user.sockets <= 0) this.users.delete(socket.data.userId);
  }

  /**
   * The rooms joined in the handshake came from a read that a membership change may have overtaken while
   * the socket wasn't connected yet (room changes reach connected sockets only); read again — unless no
   * change to the user's rooms came here since just before that read, which is the common case and
   * spares every reconnect of a storm a second membership read.
   */
  async reconcile(socket: ChatSocket): Promise<void> {
    const handshake = this.handshakes.get(socket);
    this.handshakes.delete(socket);
    if (handshake && this.users.get(socket.data.userId) === handshake.user && handshake.user.changes === handshake.changes) return;
    try {
      const current = new Set((await this.load(socket.data.userId)).map(sharedConversationRoom));
      if (!socket.connected) return;
      const stale = [...socket.rooms].filter((room) => room.startsWith(CONVERSATION_ROOM_PREFIX) && !current.has(room));
      for (const room of stale) await socket.leave(room);
      const left = this.left.get(socket);
      const missing = [...current].filter((room) => !socket.rooms.has(room) && !left?.has(room));
      if (missing.length) await socket.join(missing);
    } catch (error) {
      this.logger.warn(`re-reading the rooms of socket ${socket.id} failed: ${(error as Error).message}`);
    }
  }

  /** `conversation.join`: members only, at most `MAX_CONVERSATION_ROOMS` per socket. */
  async join(user: AuthUser, socket: ChatSocket, conversationId: string): Promise<void> {
    await this.access.require(user, Permission.RoomJoin, { conversationId });
    const room = sharedConversationRoom(conversationId);
    if (socket.rooms.has(room)) return;
    if ([...socket.rooms].filter((name) => name.startsWith(CONVERSATION_ROOM_PREFIX)).length >= MAX_CONVERSATION_ROOMS) throw new RoomLimitReached();
    await this.load(user.id, conversationId);
    this.left.get(socket)?.delete(room);
    await socket.join(room);
    // A removal that committed between the check and the join could not take this socket out.
    await this.access.require(user, Permission.RoomJoin, { conversationId }).catch(async (error: unknown) => {
      await socket.leave(room);
      throw error;
    });
  }

  /** `conversation.leave`: this socket's room only; members only. */
  async leave(user: AuthUser, socket: ChatSocket, conversationId: string): Promise<void> {
    await this.access.require(user, Permission.RoomJoin, { conversationId });
    const room = conversationRoom(conversationId);
    this.left.set(socket, (this.left.get(socket) ?? new Set()).add(room));
    await socket.leave(room);
  }

  /** On the instance that made the change, at once: removed members stop receiving, new ones join the room. */
  @OnEvent(MEMBERSHIP_CHANGED)
  onMembershipChanged(change: MembershipChanged): void {
    const room = conversationRoom(change.conversationId);
    for (const userId of [...change.removedUserIds, ...change.addedUserIds]) {
      const user = this.users.get(userId);
      if (user) user.changes += 1;
    }
    for (const userId of change.removedUserIds) {
      const known = this.users.get(userId)?.conversations.get(change.conversationId);
      if (known) known.removedAt = 'local';
      this.realtime.server?.local.in(userRoom(userId)).socketsLeave(room);
    }
    if (change.addedUserIds.length) this.realtime.server?.local.in(change.addedUserIds.map(userRoom)).socketsJoin(room);
  }

  /** Follows the ordered stream: called by delivery for every event, in position order, before it is emitted. */
  follow(event: SequencedEvent): void {
    if (!event.userId || (event.type !== 'conversation.updated' && event.type !== 'conversation.removed')) return;
    const user = this.users.get(event.userId);
    const position = BigInt(event.position);
    if (!user || position <= user.loadedThrough) return;
    user.changes += 1;
    const conversationId =
      event.type === 'conversation.removed' ? (event.data as { conversationId: string }).conversationId : (event.data as { id: string }).id;
    const room = conversationRoom(conversationId);
    const known = user.conversations.get(conversationId);
    if (event.type === 'conversation.removed') {
      user.conversations.set(conversationId, { joinedAt: known?.joinedAt ?? null, removedAt: position });
      this.realtime.server?.local.in(userRoom(event.userId)).socketsLeave(room);
      return;
    }
    if (known?.removedAt === 'local') return; // an update from before a removal made here: its event is still to come
    if (known && known.removedAt === null) {
      // Read at connect before its join had a position: the window starts now; the sockets are in the room.
      if (known.joinedAt === null) known.joinedAt = position;
      return;
    }
    if (!known && user.conversations.size >= MAX_CONVERSATION_ROOMS) return;
    user.conversations.set(conversationId, { joinedAt: position, removedAt: null });
    this.realtime.server?.local.in(userRoom(event.userId)).socketsJoin(room);
  }

  /** Whether `userId` may receive the event of `conversationId` at `position` (`events.receive`, live). */
  mayReceive(userId: string, conversationId: string, position: bigint): boolean {
    const known = this.users.get(userId)?.conversations.get(conversationId);
    if (!known || known.joinedAt === null || known.joinedAt >= position) return false;
    return known.removedAt === null || (known.removedAt !== 'local' && position < known.removedAt);
  }

  /** The local sockets in the conversation's room whose users may not receive the event at `position`. */
  excludedSockets(conversationId: string, position: bigint): string[] {
    const server = this.realtime.server;
    const ids = server?.of('/').adapter.rooms.get(conversationRoom(conversationId));
    if (!server || !ids) return [];
    const sockets = server.of('/').sockets;
    return [...ids].filter((id) => {
      const userId = sockets.get(id)?.data.userId;
      return !userId || !this.mayReceive(userId, conversationId, position);
    });
  }

  private local(userId: string): LocalUser {
    let user = this.users.get(userId);
    if (!user) {
      user = { loadedThrough: 0n, conversations: new Map(), sockets: 0, changes: 0 };
      this.users.set(userId, user);
    }
    return user;
  }

  /** Reads the user's memberships (or one) into what this instance knows; answers their conversation ids. */
  private async load(userId: string, conversationId?: string): Promise<string[]> {
    // Heavy work: a reconnect storm is thousands of these at once, and must leave sends their connections.
    const { windows, head } = await this.admission.run(() =>
      this.access.membershipWindows(userId, conversationId ? 1 : MAX_CONVERSATION_ROOMS, conversationId),
    );
    const user = this.users.get(userId);
    if (user) {
      for (const window of windows) {
        const known = user.conversations.get(window.conversationId);
        // What the stream taught since `head` is newer than this read.
        const newer = known && (known.removedAt === 'local' || (known.removedAt ?? known.joinedAt ?? 0n) > head);
        if (!newer) user.conversations.set(interned(window.conversationId), { joinedAt: window.joinedAt, removedAt: null });
      }
      if (!conversationId && head > user.loadedThrough) user.loadedThrough = head;
    }
    return windows.map((window) => window.conversationId);
  }
}

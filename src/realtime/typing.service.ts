import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { RealtimeServer } from './realtime-server.js';
import { conversationRoom, userRoom } from './rooms.js';

/** A `typing.start` that no stop (or new start) follows ends by itself after this long. */
export const TYPING_EXPIRY_MS = 6_000;

/**
 * Typing indicators: relayed to the conversation's room except the typist's own sockets, never stored.
 * The expiry timer lives with the socket that started typing, so a disconnect ends it at once.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** socket id → conversation id → the timer that ends that typing. */
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();

  constructor(
    private readonly access: AccessService,
    private readonly rateLimits: RateLimits,
    private readonly realtime: RealtimeServer,
  ) {}

  onModuleDestroy() {
    for (const timers of this.timers.values()) for (const timer of timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** `typing.start` from a socket: `conversation.typing` (members; not with a block), then the budget. */
  async startTyping(user: AuthUser, socketId: string, conversationId: string): Promise<void> {
    await this.access.require(user, Permission.Typing, { conversationId });
    await this.rateLimits.consume(RateLimit.Typing, user.id);
    this.start(socketId, user.id, conversationId);
  }

  async stopTyping(user: AuthUser, socketId: string, conversationId: string): Promise<void> {
    await this.access.require(user, Permission.Typing, { conversationId });
    await this.rateLimits.consume(RateLimit.Typing, user.id);
    this.stop(socketId, user.id, conversationId);
  }

  private start(socketId: string, userId: string, conversationId: string): void {
    this.clear(socketId, conversationId);
    const timers = this.timers.get(socketId) ?? new Map<string, NodeJS.Timeout>();
    this.timers.set(socketId, timers);
    timers.set(
      conversationId,
      setTimeout(() => this.stop(socketId, userId, conversationId), TYPING_EXPIRY_MS),
    );
    this.relay(userId, conversationId, true);
  }

  private stop(socketId: string, userId: string, conversationId: string): void {
    this.clear(socketId, conversationId);
    this.relay(userId, conversationId, false);
  }

  /** The socket went away: whatever it was typing stops now. */
  socketGone(socketId: string, userId: string): void {
    const timers = this.timers.get(socketId);
    if (!timers) return;
    for (const conversationId of [...timers.keys()]) this.stop(socketId, userId, conversationId);
    this.timers.delete(socketId);
  }

  private clear(socketId: string, conversationId: string): void {
    const timers = this.timers.get(socketId);
    const timer = timers?.get(conversationId);
    if (!timers || !timer) return;
    clearTimeout(timer);
    timers.delete(conversationId);
    if (!timers.size) this.timers.delete(socketId);
  }

  private relay(userId: string, conversationId: string, isTyping: boolean): void {
    this.realtime.server?.to(conversationRoom(conversationId)).except(userRoom(userId)).emit('typing', { conversationId, userId, isTyping });
  }
}

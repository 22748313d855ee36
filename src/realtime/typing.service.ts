import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RateLimited } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { SharedState } from '../shared-state/shared-state.js';
import { RealtimeServer } from './realtime-server.js';
import { conversationRoom, userRoom } from './rooms.js';

/** A `typing.start` that no stop (or new start) follows ends by itself after this long. */
export const TYPING_EXPIRY_MS = 6_000;
const RATE_WINDOW_SECONDS = 10;

/**
 * Typing indicators: relayed to the conversation's room except the typist's own sockets, never stored.
 * The expiry timer lives with the socket that started typing, so a disconnect ends it at once.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** socket id → conversation id → the timer that ends that typing. */
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();

  constructor(
    private readonly state: SharedState,
    private readonly realtime: RealtimeServer,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleDestroy() {
    for (const timers of this.timers.values()) for (const timer of timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** TYPING_RATE_LIMIT typing events per user per 10 s, on every instance together. */
  async throttle(userId: string): Promise<void> {
    const { count, resetSeconds } = await this.state.hit(`typing-rate:${userId}`, RATE_WINDOW_SECONDS);
    if (count > this.config.throttle.typingLimit) throw new RateLimited(resetSeconds);
  }

  start(socketId: string, userId: string, conversationId: string): void {
    this.clear(socketId, conversationId);
    const timers = this.timers.get(socketId) ?? new Map<string, NodeJS.Timeout>();
    this.timers.set(socketId, timers);
    timers.set(
      conversationId,
      setTimeout(() => this.stop(socketId, userId, conversationId), TYPING_EXPIRY_MS),
    );
    this.relay(userId, conversationId, true);
  }

  stop(socketId: string, userId: string, conversationId: string): void {
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

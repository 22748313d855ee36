import { Injectable } from '@nestjs/common';
import { SharedState } from '../shared-state/shared-state.js';

/**
 * Presence keys in the shared state. Realtime writes them, everyone else reads:
 * `presence:<userId>` counts that user's open sockets on every instance, and
 * `presence:online-users` counts users whose count is above zero.
 */
export const presenceKey = (userId: string) => `presence:${userId}`;
export const ONLINE_USERS_KEY = 'presence:online-users';

/** Who is online right now, for profiles and stats. */
export abstract class PresenceReader {
  abstract isOnline(userId: string): Promise<boolean>;
  abstract onlineUserCount(): Promise<number>;
}

@Injectable()
export class SharedStatePresenceReader extends PresenceReader {
  constructor(private readonly state: SharedState) {
    super();
  }

  async isOnline(userId: string): Promise<boolean> {
    return Number(await this.state.get(presenceKey(userId))) > 0;
  }

  async onlineUserCount(): Promise<number> {
    return Math.max(0, Number(await this.state.get(ONLINE_USERS_KEY)));
  }
}

import { Injectable } from '@nestjs/common';
import { SharedState } from '../shared-state/shared-state.js';

/**
 * Presence keys in the shared state, both expiring sets (see `SharedState.addExpiring`). Realtime writes
 * them, everyone else reads:
 * - `presence:instances:<userId>` holds the ids of the server instances where that user has a socket;
 * - `presence:online` holds the ids of the users with at least one.
 * Each instance renews its own entries on a heartbeat, so when an instance dies its users stop counting
 * as online within one entry lifetime instead of staying "online" forever.
 */
export const presenceKey = (userId: string) => `presence:instances:${userId}`;
export const ONLINE_USERS_KEY = 'presence:online';

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
    return (await this.state.countExpiring(presenceKey(userId))) > 0;
  }

  async onlineUserCount(): Promise<number> {
    return this.state.countExpiring(ONLINE_USERS_KEY);
  }
}

import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SessionRepository } from './session.repository.js';
import { SESSION_REVOKED, type SessionRevokedEvent } from './session-revoked.event.js';

/** Sessions remembered per instance: ~100 bytes each, so this is a few megabytes at most. */
const REMEMBERED_SESSIONS = 50_000;

/**
 * Whether a token's session exists and is its user's. A valid signature is not enough: a token naming a
 * session nobody opened (minted with a leaked or guessed secret, or with a made-up `sid`) must not work,
 * and neither must one naming another user's session.
 *
 * Sessions seen to exist are remembered in a least-recently-used map of id → user, so a request costs
 * one map lookup; a session not in it costs one primary-key lookup. A session never changes owner and is
 * deleted only long after its tokens expired, so a remembered one stays true until it is revoked, which
 * `SessionRevocation` checks on every request anyway; this map forgets revoked sessions as it hears of them.
 */
@Injectable()
export class LiveSessions {
  private readonly owners = new Map<string, string>();

  constructor(private readonly sessions: SessionRepository) {}

  async belongsTo(sessionId: string, userId: string): Promise<boolean> {
    const owner = this.owners.get(sessionId) ?? (await this.sessions.ownerOfUnrevoked(sessionId));
    if (owner === null) return false;
    this.remember(sessionId, owner);
    return owner === userId;
  }

  @OnEvent(SESSION_REVOKED)
  forget({ sessionId }: SessionRevokedEvent) {
    this.owners.delete(sessionId);
  }

  private remember(sessionId: string, owner: string) {
    // Map keeps insertion order: re-inserting marks it most recently used, the first key is the oldest.
    this.owners.delete(sessionId);
    this.owners.set(sessionId, owner);
    if (this.owners.size > REMEMBERED_SESSIONS) this.owners.delete(this.owners.keys().next().value!);
  }
}

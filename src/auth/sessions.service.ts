import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound } from '../common/errors/app.exception.js';
import type { SessionDto } from './dto/session.dto.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { type RevokedSession, SessionRepository } from './session.repository.js';
import { SessionRevocation } from './session-revocation.js';
import type { RevocationReason } from './session-revoked.event.js';

/** Ending sessions: in the database, then everywhere an access token or socket of theirs is checked. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocation: SessionRevocation,
    private readonly apiKeys: ApiKeysRepository,
  ) {}

  async list(caller: AuthUser): Promise<SessionDto[]> {
    const live = await this.sessions.listLive(caller.id, new Date());
    return live.map((session) => ({
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === caller.sessionId,
    }));
  }

  /** One of the caller's own sessions; anyone else's is a 404, like one that doesn't exist. */
  async revoke(caller: AuthUser, sessionId: string, reason: RevocationReason = 'revoked'): Promise<void> {
    const revoked = await this.sessions.revokeOne(undefined, caller.id, sessionId, reason);
    if (!revoked.length) throw new NotFound('Session');
    await this.announce(revoked, reason);
  }

  logout(caller: AuthUser): Promise<void> {
    return this.revoke(caller, caller.sessionId, 'logout');
  }

  /**
   * Revokes every session of a user (but `except`) inside the caller's transaction; call `announce`
   * with the answer once it committed. A ban or a demotion also ends the sockets of the user's API keys
   * (a key's id is its session id): the keys stay, and REST refuses a banned user's keys by itself.
   */
  async revokeAllWithin(manager: EntityManager, userId: string, reason: RevocationReason, except?: string): Promise<RevokedSession[]> {
    const sessions = await this.sessions.revokeAll(manager, userId, reason, except);
    if (reason !== 'banned' && reason !== 'role_changed') return sessions;
    const keys = await this.apiKeys.unrevokedIdsOf(manager, userId);
    return [...sessions, ...keys.map((sessionId) => ({ sessionId, userId }))];
  }

  announce(revoked: RevokedSession[], reason: RevocationReason): Promise<void> {
    return this.revocation.announce(revoked.map((session) => ({ ...session, reason })));
  }
}

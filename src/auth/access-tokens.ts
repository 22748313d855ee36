import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import type { AuthUser, Role } from '../common/auth/auth-user.js';
import { Unauthorized } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { ROLES } from '../users/user.entity.js';
import { verifyHs256 } from './hs256.js';
import { jwtKey } from './jwt-key.js';
import { LiveSessions } from './live-sessions.js';
import { SessionRevocation } from './session-revocation.js';

/** The only algorithm accepted: `alg: none`, RS256-with-the-secret-as-key and the like are refused. */
export const JWT_ALGORITHMS: ['HS256'] = ['HS256'];

/** What an access token carries. */
export interface AccessTokenPayload {
  sub: string;
  role: Role;
  sid: string;
}

/** A verified token: who it proves, and until when. */
export interface VerifiedToken {
  user: AuthUser;
  expiresAt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a verified payload; anything not shaped like one of ours is refused. */
export function authUserFrom(payload: unknown): AuthUser | null {
  const { sub, role, sid } = (payload ?? {}) as Partial<Record<keyof AccessTokenPayload, unknown>>;
  if (typeof sub !== 'string' || !UUID.test(sub)) return null;
  if (typeof sid !== 'string' || !UUID.test(sid)) return null;
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) return null;
  return { id: sub, role: role as Role, sessionId: sid };
}

/**
 * Issues access tokens and checks them: signature (HS256 only), expiry, shape, that the session was
 * not revoked since, and that it exists and is the token's user's. The REST guard and the Socket.IO
 * handshake both call `verify` with the raw token. Signing stays with `JwtService` (once per login or
 * refresh); verifying is `verifyHs256`, paid by every request.
 */
@Injectable()
export class AccessTokens {
  private readonly key: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    private readonly revocation: SessionRevocation,
    private readonly liveSessions: LiveSessions,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.key = jwtKey(config.jwt.secret);
  }

  get ttlSeconds(): number {
    return this.config.jwt.accessTtlSeconds;
  }

  issue(user: { id: string; role: Role }, sessionId: string): Promise<string> {
    return this.jwt.signAsync({ sub: user.id, role: user.role, sid: sessionId } satisfies AccessTokenPayload);
  }

  /** The caller a raw token proves and when the token expires (ms since the epoch), or `Unauthorized`. */
  async verify(token: string): Promise<VerifiedToken> {
    const payload = verifyHs256(token, this.key, Math.floor(Date.now() / 1000));
    if (!payload) throw new Unauthorized('The access token is invalid or expired');
    return { user: await this.accept(payload), expiresAt: (payload.exp as number) * 1000 };
  }

  /** For a payload whose signature and expiry were already checked. */
  private async accept(payload: unknown): Promise<AuthUser> {
    const user = authUserFrom(payload);
    if (!user) throw new Unauthorized('The access token is invalid or expired');
    if (await this.revocation.isRevoked(user.sessionId)) throw new Unauthorized('The session has ended; sign in again');
    if (!(await this.liveSessions.belongsTo(user.sessionId, user.id))) throw new Unauthorized('The session has ended; sign in again');
    return user;
  }
}

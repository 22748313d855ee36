import { createHash, randomBytes } from 'node:crypto';

const REFRESH_TOKEN_BYTES = 32;

/** A new opaque refresh token: 256 random bits, base64url. */
export function newRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/** What is stored instead of the token. The token is random, so a fast hash is enough: nothing to guess. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The parts of a session a refresh decision depends on. */
export interface RefreshableSession {
  id: string;
  revokedAt: Date | null;
  expiresAt: Date;
  userBanned: boolean;
}

export type RefreshDecision =
  | { outcome: 'rotate' }
  /** The token was already exchanged: someone replays it, so the whole session goes. */
  | { outcome: 'reused' }
  | { outcome: 'invalid'; reason: 'unknown' | 'revoked' | 'expired' }
  | { outcome: 'banned' };

/**
 * What to do with a presented refresh token, given the session it is the current token of (`current`)
 * or the session it was once the token of (`spent`). Neither: nobody ever issued it.
 */
export function decideRefresh(match: { current?: RefreshableSession; spent?: RefreshableSession }, now: Date): RefreshDecision {
  // Reuse whatever became of the session since: a spent token is never good again.
  if (match.spent) return { outcome: 'reused' };
  const session = match.current;
  if (!session) return { outcome: 'invalid', reason: 'unknown' };
  if (session.revokedAt) return { outcome: 'invalid', reason: 'revoked' };
  if (session.userBanned) return { outcome: 'banned' };
  if (session.expiresAt.getTime() <= now.getTime()) return { outcome: 'invalid', reason: 'expired' };
  return { outcome: 'rotate' };
}

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const REFRESH_TOKEN_BYTES = 32;
const SUCCESSOR_KEY_INFO = 'chat refresh-token successor v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new opaque refresh token: 256 random bits, base64url. */
export function newRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/** What is stored instead of the token. The token is random, so a fast hash is enough: nothing to guess. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function successorKey(spentToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(spentToken, 'utf8'), Buffer.alloc(0), SUCCESSOR_KEY_INFO, 32));
}

/**
 * The refresh token that replaced `spentToken`, encrypted (AES-256-GCM) with a key only the holder of
 * `spentToken` can derive: the database has the spent token's SHA-256, never the token, so what it
 * stores opens for nobody else. Bound to the session, so it can't be moved to another row.
 */
export function sealSuccessor(spentToken: string, successor: string, sessionId: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', successorKey(spentToken), iv).setAAD(Buffer.from(sessionId));
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

/** The successor `sealSuccessor` sealed, or null when these bytes don't open with this token and session. */
export function openSuccessor(spentToken: string, sealed: Buffer, sessionId: string): string | null {
  if (sealed.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', successorKey(spentToken), sealed.subarray(0, IV_BYTES)).setAAD(Buffer.from(sessionId));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
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
  /**
   * The token was exchanged moments ago and its answer may have been lost: answer the same new refresh
   * token again (RFC 9700 §4.14.2), once, within the grace window, while that new token is still unused.
   */
  | { outcome: 'replay' }
  /** The token was already exchanged: someone replays it, so the whole session goes. */
  | { outcome: 'reused' }
  | { outcome: 'invalid'; reason: 'unknown' | 'revoked' | 'expired' }
  | { outcome: 'banned' };

/** A spent token as far as a retry is concerned. */
export interface SpentToken extends RefreshableSession {
  /** Until when a retry may be answered; null once it was (or if it never may be). */
  replayableUntil: Date | null;
  /** The token that replaced it is still the session's current one (nobody used it yet). */
  successorUnused: boolean;
}

/**
 * What to do with a presented refresh token, given the session it is the current token of (`current`)
 * or the session it was once the token of (`spent`). Neither: nobody ever issued it. A banned user is
 * told so first (403), whatever became of the session (banning revoked it).
 */
export function decideRefresh(match: { current?: RefreshableSession; spent?: SpentToken }, now: Date): RefreshDecision {
  if ((match.current ?? match.spent)?.userBanned) return { outcome: 'banned' };
  const { spent } = match;
  if (spent) {
    const retry = spent.replayableUntil !== null && spent.replayableUntil.getTime() > now.getTime() && spent.successorUnused && !spent.revokedAt;
    // Otherwise reuse, whatever became of the session since: a spent token is never good again.
    return { outcome: retry ? 'replay' : 'reused' };
  }
  const session = match.current;
  if (!session) return { outcome: 'invalid', reason: 'unknown' };
  if (session.revokedAt) return { outcome: 'invalid', reason: 'revoked' };
  if (session.expiresAt.getTime() <= now.getTime()) return { outcome: 'invalid', reason: 'expired' };
  return { outcome: 'rotate' };
}

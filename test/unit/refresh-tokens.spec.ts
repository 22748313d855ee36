import {
  decideRefresh,
  hashRefreshToken,
  newRefreshToken,
  openSuccessor,
  type RefreshableSession,
  sealSuccessor,
  type SpentToken,
} from '../../src/auth/refresh-tokens.js';

const now = new Date('2026-11-21T12:00:00Z');
const live: RefreshableSession = { id: 's1', revokedAt: null, expiresAt: new Date('2026-12-01T00:00:00Z'), userBanned: false };
const spent: SpentToken = { ...live, replayableUntil: null, successorUnused: false };
const retryable: SpentToken = { ...live, replayableUntil: new Date(now.getTime() + 10_000), successorUnused: true };

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newRefreshToken()).not.toBe(token);
  });

  it('are stored as a SHA-256 hex digest', () => {
    expect(hashRefreshToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('decideRefresh', () => {
  it('rotates the current token of a live session', () => {
    expect(decideRefresh({ current: live }, now)).toEqual({ outcome: 'rotate' });
  });

  it('treats a spent token as reuse, whatever became of its session', () => {
    expect(decideRefresh({ spent }, now)).toEqual({ outcome: 'reused' });
    expect(decideRefresh({ spent: { ...spent, revokedAt: now } }, now)).toEqual({ outcome: 'reused' });
  });

  it('answers a retry within the grace window again, while the new token is unused', () => {
    expect(decideRefresh({ spent: retryable }, now)).toEqual({ outcome: 'replay' });
  });

  it.each([
    ['after the window', { replayableUntil: now }],
    ['once the retry was answered (the third use)', { replayableUntil: null }],
    ['once the new token was used', { successorUnused: false }],
    ['when the session was revoked', { revokedAt: now }],
  ])('treats a retry %s as reuse', (_when, change) => {
    expect(decideRefresh({ spent: { ...retryable, ...change } }, now)).toEqual({ outcome: 'reused' });
  });

  it('refuses a token nobody issued', () => {
    expect(decideRefresh({}, now)).toEqual({ outcome: 'invalid', reason: 'unknown' });
  });

  it('refuses the current token of a revoked session', () => {
    expect(decideRefresh({ current: { ...live, revokedAt: now } }, now)).toEqual({ outcome: 'invalid', reason: 'revoked' });
  });

  it('refuses a token at and after its expiry', () => {
    expect(decideRefresh({ current: { ...live, expiresAt: now } }, now)).toEqual({ outcome: 'invalid', reason: 'expired' });
  });

  it('refuses a banned user with banned, before saying the session was revoked (banning revokes it)', () => {
    expect(decideRefresh({ current: { ...live, userBanned: true } }, now)).toEqual({ outcome: 'banned' });
    expect(decideRefresh({ current: { ...live, userBanned: true, revokedAt: now } }, now)).toEqual({ outcome: 'banned' });
    expect(decideRefresh({ spent: { ...spent, userBanned: true, revokedAt: now } }, now)).toEqual({ outcome: 'banned' });
  });
});

describe('the sealed successor of a spent refresh token', () => {
  it('opens with the spent token and its session only', () => {
    const [old, next] = [newRefreshToken(), newRefreshToken()];
    const sealed = sealSuccessor(old, next, 's1');
    expect(sealed.includes(Buffer.from(next))).toBe(false);
    expect(openSuccessor(old, sealed, 's1')).toBe(next);
    expect(openSuccessor(newRefreshToken(), sealed, 's1')).toBeNull();
    expect(openSuccessor(hashRefreshToken(old), sealed, 's1')).toBeNull();
    expect(openSuccessor(old, sealed, 's2')).toBeNull();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(openSuccessor(old, tampered, 's1')).toBeNull();
  });
});

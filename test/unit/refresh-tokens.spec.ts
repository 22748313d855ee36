import { decideRefresh, hashRefreshToken, newRefreshToken, type RefreshableSession } from '../../src/auth/refresh-tokens.js';

const now = new Date('2026-11-21T12:00:00Z');
const live: RefreshableSession = { id: 's1', revokedAt: null, expiresAt: new Date('2026-12-01T00:00:00Z'), userBanned: false };

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
    expect(decideRefresh({ spent: live }, now)).toEqual({ outcome: 'reused' });
    expect(decideRefresh({ spent: { ...live, revokedAt: now } }, now)).toEqual({ outcome: 'reused' });
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

  it('refuses a banned user', () => {
    expect(decideRefresh({ current: { ...live, userBanned: true } }, now)).toEqual({ outcome: 'banned' });
  });
});

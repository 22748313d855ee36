import { createHmac, randomBytes } from 'node:crypto';

/** Every key's secret starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'ck_';
const SECRET = /^ck_[A-Za-z0-9_-]{43}$/;

/** A new secret: `ck_` and 32 random bytes in base64url (256 bits). */
export function newApiKeySecret(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export const looksLikeApiKey = (token: string): boolean => token.startsWith(API_KEY_PREFIX);
export const isWellFormedApiKey = (token: string): boolean => SECRET.test(token);

/**
 * The stored form of a secret: HMAC-SHA256 under a server key. Not argon2, on purpose: a password needs
 * a slow hash because people choose guessable ones, but this secret is 256 random bits — no dictionary
 * and no brute force reaches it, so a slow hash would only cost every API request tens of milliseconds
 * and make the lookup impossible to index. The HMAC key (not stored in the database) means a leaked
 * table alone cannot even be used to check a guess.
 */
export function hashApiKeySecret(secret: string, key: string): string {
  return createHmac('sha256', key).update(secret).digest('hex');
}

/** What a list shows of a key: enough to tell it apart, nothing to use. */
export const prefixOf = (secret: string): string => secret.slice(0, API_KEY_PREFIX.length + 8);

import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from './app-config.js';

export const JWT_SECRET_FILE = 'jwt-secret';
const SECRET_BYTES = 48;
const MIN_SECRET_LENGTH = 32;

/**
 * The configuration with its JWT secret: `JWT_SECRET` when given; otherwise (never in production) a
 * random secret made on the first start and kept in `DATA_DIR/jwt-secret`, readable by this user only
 * (0600), so tokens survive restarts and nobody can mint them from a constant in the source. The file is
 * made under a temporary name and linked into place, so two processes starting at once agree on one
 * secret and neither reads a half-written file.
 */
export function withJwtSecret(config: AppConfig, log: (message: string) => void): AppConfig {
  if (!config.jwt.secretFromDataDir) return config;
  const directory = resolve(config.dataDir);
  const path = join(directory, JWT_SECRET_FILE);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (createSecretFile(path)) log(`JWT_SECRET is not set: generated a secret in ${path} (mode 0600). Set JWT_SECRET in production.`);
  else log(`JWT_SECRET is not set: using the secret in ${path}.`);
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH)
    throw new Error(`${path} holds no usable secret (fewer than ${MIN_SECRET_LENGTH} characters): remove it to have a new one made, or set JWT_SECRET`);
  return { ...config, jwt: { ...config.jwt, secret } };
}

/** True when this call made the file; false when it was there already. */
function createSecretFile(path: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}

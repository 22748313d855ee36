import { hkdfSync } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Unauthorized } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { hashApiKeySecret, isWellFormedApiKey } from './api-key-secrets.js';
import { ApiKeysRepository } from './api-keys.repository.js';

/** A key never expires unless given `expiresAt`: its sockets' expiry timer then never fires. */
const NEVER = Date.UTC(9999, 0, 1);
const TOUCH_INTERVAL_MS = 60_000;
/** Keys whose `lastUsedAt` this instance moved lately, remembered so most requests write nothing. */
const REMEMBERED_TOUCHES = 10_000;

/**
 * Authenticates `ck_…` secrets, for the REST guard and the socket handshake alike: one indexed lookup of
 * the secret's keyed hash with the key's user, on every request — so a revoked or expired key, or one
 * whose user was banned, stops at once on every instance (the key's live sockets are disconnected by the
 * revocation itself, see ApiKeysService.revoke). `lastUsedAt` moves at most once a minute per key.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);
  private readonly hmacKey: string;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeysRepository,
    @InjectConfig() config: AppConfig,
  ) {
    const secret = config.apiKeySecret ?? config.jwt.secret;
    if (!secret) throw new Error('no secret to hash API keys with (JWT_SECRET or API_KEY_SECRET)');
    this.hmacKey = Buffer.from(hkdfSync('sha256', secret, 'chat-api-keys', 'api-key-hash/v1', 32)).toString('hex');
  }

  hash(secret: string): string {
    return hashApiKeySecret(secret, this.hmacKey);
  }

  /** The caller the key proves and when the key expires (ms since the epoch), or `Unauthorized`. */
  async authenticate(secret: string, now = new Date()): Promise<{ user: AuthUser; expiresAt: number }> {
    const refused = new Unauthorized('The API key is invalid, expired or revoked');
    if (!isWellFormedApiKey(secret)) throw refused;
    const found = await this.keys.findForAuth(this.hash(secret));
    if (!found || found.key.revokedAt || found.banned) throw refused;
    if (found.key.expiresAt && found.key.expiresAt.getTime() <= now.getTime()) throw refused;
    await this.touch(found.key.id, now);
    const { key } = found;
    return {
      user: { id: key.userId, role: found.role, sessionId: key.id, apiKey: { id: key.id, scopes: key.scopes } },
      expiresAt: key.expiresAt?.getTime() ?? NEVER,
    };
  }

  /** Awaited (a write at most once a minute per key), so a list right after a use shows it; a failure only logs. */
  private async touch(id: string, now: Date): Promise<void> {
    const last = this.touched.get(id);
    if (last !== undefined && now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.touched.delete(id);
    this.touched.set(id, now.getTime());
    if (this.touched.size > REMEMBERED_TOUCHES) this.touched.delete(this.touched.keys().next().value!);
    try {
      await this.keys.touch(id, now);
    } catch (error) {
      this.logger.warn(`lastUsedAt of key ${id} not moved: ${(error as Error).message}`);
    }
  }
}

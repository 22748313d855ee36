import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ValidationFailed } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import type { User } from '../users/user.entity.js';
import { toMe } from '../users/user.mappers.js';
import { lockBannedPart, UsersRepository } from '../users/users.repository.js';
import { InvalidCredentials, InvalidRefreshToken, TokenReused, UserBanned } from './auth.errors.js';
import { AccessTokens } from './access-tokens.js';
import type { AuthResultDto } from './dto/auth-result.dto.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { LoginDto } from './dto/login.dto.js';
import type { SignupDto } from './dto/signup.dto.js';
import { LoginAttempts } from './login-attempts.js';
import { PasswordHasher } from './password-hasher.js';
import { decideRefresh, hashRefreshToken, newRefreshToken, openSuccessor, sealSuccessor } from './refresh-tokens.js';
import { type ClientInfo, type SealedSuccessor, SessionRepository } from './session.repository.js';
import { SessionsService } from './sessions.service.js';
import { MediaUrls } from '../media/media-urls.js';

/**
 * Accounts and their credentials: signing up and in, rotating refresh tokens (with reuse detection),
 * changing the password. Each sign-in opens a session; the session id is in every access token.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessionRepository: SessionRepository,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokens,
    private readonly loginAttempts: LoginAttempts,
    @InjectConfig() private readonly config: AppConfig,
    private readonly urls: MediaUrls,
  ) {}

  async signup(dto: SignupDto, client: ClientInfo): Promise<AuthResultDto> {
    const passwordHash = await this.hasher.hash(dto.password);
    // A taken email or username fails the insert on its unique index, which answers 409.
    return this.sessionRepository.transaction(async (manager) => {
      const user = await this.users.insert(manager, { email: dto.email, username: dto.username, displayName: dto.displayName ?? dto.username, passwordHash });
      return this.openSession(user, client, manager);
    });
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<AuthResultDto> {
    const address = client.ip ?? 'unknown';
    await this.loginAttempts.assertAllowed(dto.email, address);
    const user = await this.users.findByEmail(dto.email);
    if (!(await this.hasher.verifyOrDummy(user?.passwordHash ?? null, dto.password))) {
      await this.loginAttempts.recordFailure(dto.email, address);
      throw new InvalidCredentials();
    }
    const account = user!;
    // A bot's password is random and never shown; refusing bots here too keeps it that way whatever happens to the hash.
    if (account.isBot) throw new InvalidCredentials();
    if (account.banned) throw new UserBanned();
    await this.loginAttempts.succeeded(dto.email, address);
    if (this.hasher.needsRehash(account.passwordHash)) {
      await this.users.setPasswordHash(account.id, await this.hasher.hash(dto.password));
    }
    // The sessions that expired go as this one opens: one statement with the ban check, needing no transaction.
    return this.openSession(account, client, undefined, new Date());
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<AuthResultDto> {
    const presented = hashRefreshToken(refreshToken);
    const now = new Date();
    const outcome = await this.sessionRepository.transaction(async (manager) => {
      const current = await this.sessionRepository.lockByCurrentToken(manager, presented);
      const spent = current ? null : await this.sessionRepository.lockBySpentToken(manager, presented);
      const successor = spent?.successorSealed ? openSuccessor(refreshToken, spent.successorSealed, spent.id) : null;
      const successorUnused = successor !== null && hashRefreshToken(successor) === spent!.currentTokenHash;
      const decision = decideRefresh({ current: current ?? undefined, spent: spent ? { ...spent, successorUnused } : undefined }, now);
      if (decision.outcome === 'reused') {
        return { decision, revoked: await this.sessionRepository.revokeOne(manager, spent!.userId, spent!.id, 'token_reused') };
      }
      if (decision.outcome === 'replay') {
        // The retry of a refresh whose answer was lost: the same new refresh token, once.
        await this.sessionRepository.endRetryWindow(manager, presented);
        const user = (await this.users.findWithAvatar(spent!.userId, manager))!;
        return { decision, result: await this.authResult(user, spent!.id, successor!) };
      }
      if (decision.outcome !== 'rotate') return { decision };
      const user = (await this.users.findWithAvatar(current!.userId, manager))!;
      const next = newRefreshToken();
      await this.sessionRepository.rotate(
        manager,
        current!.id,
        presented,
        hashRefreshToken(next),
        this.refreshExpiry(),
        client,
        this.retryOf(refreshToken, next, current!.id, now),
      );
      return { decision, result: await this.authResult(user, current!.id, next) };
    });
    switch (outcome.decision.outcome) {
      case 'rotate':
      case 'replay':
        return outcome.result!;
      case 'reused':
        await this.sessions.announce(outcome.revoked!, 'token_reused');
        throw new TokenReused();
      case 'banned':
        throw new UserBanned();
      default:
        throw new InvalidRefreshToken();
    }
  }

  /**
   * Needs the current password; every other session of the user is revoked. Wrong current passwords count
   * like failed logins, per account and address: a stranger's guesses elsewhere never block this.
   */
  async changePassword(caller: AuthUser, dto: ChangePasswordDto, client: ClientInfo): Promise<void> {
    const user = (await this.users.findById(caller.id))!;
    const address = client.ip ?? 'unknown';
    await this.loginAttempts.assertAllowed(user.email, address);
    if (!(await this.hasher.verifyOrDummy(user.passwordHash, dto.currentPassword))) {
      await this.loginAttempts.recordFailure(user.email, address);
      throw new ValidationFailed([{ field: 'currentPassword', message: 'currentPassword is not correct' }], 'The current password is not correct');
    }
    await this.loginAttempts.succeeded(user.email, address);
    const passwordHash = await this.hasher.hash(dto.newPassword);
    const revoked = await this.sessionRepository.transaction(async (manager) => {
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      return this.sessions.revokeAllWithin(manager, user.id, 'password_changed', caller.sessionId);
    });
    await this.sessions.announce(revoked, 'password_changed');
  }

  private async openSession(user: User, client: ClientInfo, manager: EntityManager | undefined, pruneExpiredBefore?: Date) {
    // Share-locks the user row: a ban running now either waits for this session and revokes it, or
    // commits first and is seen here (no session is opened).
    const refreshToken = newRefreshToken();
    const sessionId = await this.sessionRepository.openUnlessBanned(
      manager,
      lockBannedPart(user.id),
      { userId: user.id, refreshTokenHash: hashRefreshToken(refreshToken), expiresAt: this.refreshExpiry(), client },
      pruneExpiredBefore,
    );
    if (!sessionId) throw new UserBanned();
    return this.authResult(user, sessionId, refreshToken);
  }

  private async authResult(user: User, sessionId: string, refreshToken: string): Promise<AuthResultDto> {
    return {
      user: toMe(user, this.urls),
      accessToken: await this.accessTokens.issue(user, sessionId),
      refreshToken,
      accessTokenExpiresIn: this.accessTokens.ttlSeconds,
    };
  }

  /** What lets a retry of `spent` within `JWT_REFRESH_RETRY_GRACE` get `next` again; null when there is no grace. */
  private retryOf(spent: string, next: string, sessionId: string, now: Date): SealedSuccessor | null {
    const graceSeconds = this.config.jwt.refreshRetryGraceSeconds;
    if (graceSeconds <= 0) return null;
    return { sealed: sealSuccessor(spent, next, sessionId), until: new Date(now.getTime() + graceSeconds * 1000) };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
  }
}

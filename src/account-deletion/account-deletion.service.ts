import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../audit/audit.types.js';
import { LoginAttempts } from '../auth/login-attempts.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import type { ClientInfo } from '../auth/session.repository.js';
import { SessionsService } from '../auth/sessions.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Jobs } from '../jobs/jobs.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { DeleteAccountDto } from './dto/delete-account.dto.js';

/**
 * Deleting an account (`DELETE /users/me`, `DELETE /admin/users/:id`). What must hold at once happens in
 * the request's transaction: the account is banned and its profile erased, every session revoked (live
 * sockets are dropped after the commit), and two jobs are enqueued — `users.delete` removes the uploads,
 * `users.free-username` renames the username after `ACCOUNT_USERNAME_HOLD`. Messages stay, their
 * sender shown as "Deleted user". Deleting a deleted account changes nothing.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly loginAttempts: LoginAttempts,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly jobs: Jobs,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The caller's own account, confirmed by the password; wrong passwords count like failed sign-ins (per account and address). */
  async deleteOwn(caller: AuthUser, dto: DeleteAccountDto, client: ClientInfo): Promise<void> {
    const account = await this.users.findById(caller.id);
    if (!account) throw new NotFound('User');
    const address = client.ip ?? 'unknown';
    await this.loginAttempts.assertAllowed(account.email, address);
    if (!(await this.hasher.verifyOrDummy(account.passwordHash, dto.password))) {
      await this.loginAttempts.recordFailure(account.email, address);
      throw new ValidationFailed([{ field: 'password', message: 'password is not correct' }], 'The password is not correct');
    }
    await this.loginAttempts.succeeded(account.email, address);
    await this.remove(caller.id, null);
  }

  /** An admin deleting someone else's account, audited as `user.deleted`. */
  async deleteByAdmin(actor: Actor, userId: string): Promise<void> {
    await this.access.require(actor, Permission.AdminUsers, {});
    if (userId === actor.id) throw new ValidationFailed([{ field: 'id', message: 'delete your own account with DELETE /users/me' }]);
    await this.remove(userId, actor);
  }

  private async remove(userId: string, actor: Actor | null): Promise<void> {
    const unusablePassword = await this.hasher.hash(randomBytes(32).toString('base64url'));
    const revoked = await this.dataSource.transaction(async (manager) => {
      const account = await this.users.lockForDeletion(manager, userId);
      if (!account) throw new NotFound('User');
      if (account.deleted_at) return null;
      await this.users.eraseProfile(manager, userId, unusablePassword);
      const sessions = await this.sessions.revokeAllWithin(manager, userId, 'account_deleted');
      await this.jobs.enqueue('users.delete', { userId }, { manager, singletonKey: userId });
      const freeAt = new Date(this.clock.now().getTime() + this.config.accounts.usernameHoldSeconds * 1000);
      await this.jobs.enqueue('users.free-username', { userId }, { manager, startAfter: freeAt });
      if (actor) {
        await this.audit.record(manager, actor, {
          type: 'user.deleted',
          targetType: 'user',
          targetId: userId,
          before: { deleted: false },
          after: { deleted: true },
        });
      }
      return sessions;
    });
    if (revoked) await this.sessions.announce(revoked, 'account_deleted');
  }
}

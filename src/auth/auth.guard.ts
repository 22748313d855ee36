import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { AuthUser, Role } from '../common/auth/auth-user.js';
import { IS_PUBLIC, REQUIRED_ROLES } from '../common/auth/auth.decorators.js';
import { Forbidden, Unauthorized } from '../common/errors/app.exception.js';
import { JWT_STRATEGY } from './jwt.strategy.js';

/**
 * The global guard: every route needs a valid, unrevoked access token unless it is `@Public()`;
 * `@Roles(...)` then needs one of those roles (403 otherwise).
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(context);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    const { user } = context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>();
    if (roles?.length && !roles.includes(user.role)) throw new Forbidden(`This needs the ${roles.join(' or ')} role`);
    return true;
  }

  /**
   * A bad or missing token reaches here as `user: false` (passport's `info` says why): 401. An error is
   * what `validate` threw: a 401 of ours, or the shared state being down, which must stay a 503.
   */
  override handleRequest<T = AuthUser>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user) throw new Unauthorized('A valid access token is required');
    return user;
  }
}

import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { looksLikeApiKey } from './api-key-secrets.js';
import type { AuthUser, Role } from '../common/auth/auth-user.js';
import { IS_PUBLIC, REQUIRED_ROLES } from '../common/auth/auth.decorators.js';
import { OPERATION_ID_OF, type OperationIdOf, requireScope, ROUTE_SCOPES } from '../common/auth/scopes.js';
import { Forbidden, Unauthorized } from '../common/errors/app.exception.js';
import { JWT_STRATEGY } from './jwt.strategy.js';

type AuthenticatedRequest = FastifyRequest & { user: AuthUser };

/**
 * The global guard: every route needs a valid, unrevoked access token — or an API key (`Bearer ck_…`)
 * carrying the scope the route declares in `ROUTE_SCOPES` (403 `INSUFFICIENT_SCOPE` otherwise) — unless
 * it is `@Public()`; `@Roles(...)` then needs one of those roles (403 otherwise).
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyAuthenticator,
    @Inject(OPERATION_ID_OF) private readonly operationIdOf: OperationIdOf,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token && looksLikeApiKey(token)) request.user = (await this.apiKeys.authenticate(token)).user;
    else await super.canActivate(context);
    const { user } = request;
    requireScope(user, ROUTE_SCOPES[this.operationIdOf(context.getClass().name, context.getHandler().name)]);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
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

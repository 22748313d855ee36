import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessTokens } from './access-tokens.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { looksLikeApiKey } from './api-key-secrets.js';
import type { AuthUser, Role } from '../common/auth/auth-user.js';
import { IS_PUBLIC, REQUIRED_ROLES } from '../common/auth/auth.decorators.js';
import { OPERATION_ID_OF, type OperationIdOf, requireScope, ROUTE_SCOPES } from '../common/auth/scopes.js';
import { Forbidden, Unauthorized } from '../common/errors/app.exception.js';

type AuthenticatedRequest = FastifyRequest & { user: AuthUser };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The global guard: every route needs a valid, unrevoked access token — or an API key (`Bearer ck_…`)
 * carrying the scope the route declares in `ROUTE_SCOPES` (403 `INSUFFICIENT_SCOPE` otherwise) — unless
 * it is `@Public()`; `@Roles(...)` then needs one of those roles (403 otherwise).
 *
 * Tokens are checked by `AccessTokens`, the same code as the Socket.IO handshake, not through passport:
 * passport keeps one strategy per name for the whole process (a second app in it took over the first's
 * revocation checks), and its layers cost ~10 % of the CPU of an authenticated request (65–80 µs of a
 * text send or `GET /users/me`, `bench/ab.js` against the passport build, 2026-12-04).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
    private readonly apiKeys: ApiKeyAuthenticator,
    @Inject(OPERATION_ID_OF) private readonly operationIdOf: OperationIdOf,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const user = (request.user = await this.authenticate(request.headers.authorization));
    requireScope(user, ROUTE_SCOPES[this.operationIdOf(context.getClass().name, context.getHandler().name)]);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.includes(user.role)) throw new Forbidden(`This needs the ${roles.join(' or ')} role`);
    return true;
  }

  /** 401 for a missing or bad credential; the shared state being down stays the 503 it throws. */
  private async authenticate(authorization: string | undefined): Promise<AuthUser> {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new Unauthorized('A valid access token is required');
    if (looksLikeApiKey(token)) return (await this.apiKeys.authenticate(token)).user;
    return (await this.tokens.verify(token)).user;
  }
}

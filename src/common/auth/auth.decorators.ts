import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorEnvelopeDto } from '../errors/error-envelope.dto.js';
import type { AuthUser, Role } from './auth-user.js';

export const IS_PUBLIC = 'chat:is-public';
export const REQUIRED_ROLES = 'chat:required-roles';

/** Opens a route to anonymous callers; every other route needs a valid access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Needs a signed-in caller (the default), documented as such. */
export const Authenticated = () =>
  applyDecorators(ApiBearerAuth(), ApiUnauthorizedResponse({ type: ErrorEnvelopeDto, description: 'Missing, invalid, expired or revoked access token' }));

/** Needs one of these global roles: 401 without a token, 403 with the wrong role. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    Authenticated(),
    ApiForbiddenResponse({ type: ErrorEnvelopeDto, description: `Needs role ${roles.join(' or ')}` }),
  );

/** The signed-in caller of this request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  return context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>().user;
});

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { Actor } from './audit.types.js';

/** The signed-in caller with the request's id (the `x-request-id` the app answers with), for audited actions. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>();
  return { ...request.user, requestId: String(request.id) };
});

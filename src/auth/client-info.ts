import { isIP } from 'node:net';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from './session.repository.js';

const MAX_USER_AGENT = 512;

/** The device a session is opened or refreshed from, as shown in the session list. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  // `request.ip` is a valid address (see src/common/http/forwarded-for.ts); only an address is ever stored.
  return { userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null, ip: isIP(request.ip) ? request.ip : null };
});

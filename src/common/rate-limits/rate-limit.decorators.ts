import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMITED = 'chat:auth-rate-limited';
export const SKIP_RATE_LIMIT = 'chat:skip-rate-limit';

/** Puts a route under the `credentials` limit (per IP) too, on top of `requests`. */
export const AuthRateLimit = () => SetMetadata(AUTH_RATE_LIMITED, true);

/** Takes a route or controller out of the HTTP limits (health checks; sockets have their own). */
export const SkipRateLimit = () => SetMetadata(SKIP_RATE_LIMIT, true);

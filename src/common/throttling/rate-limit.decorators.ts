import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMITED = 'chat:auth-rate-limited';

/**
 * Puts a route under the stricter per-IP limit for credentials (`AUTH_THROTTLE_LIMIT` a minute),
 * on top of the global one.
 */
export const AuthRateLimit = () => SetMetadata(AUTH_RATE_LIMITED, true);

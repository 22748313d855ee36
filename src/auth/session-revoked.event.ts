/** Why a session stopped working; realtime passes it on to the client in `session.revoked`. */
export type RevocationReason = 'logout' | 'revoked' | 'token_reused' | 'password_changed' | 'banned' | 'role_changed' | 'account_deleted';

/**
 * Emitted in-process (through @nestjs/event-emitter) on every instance whenever a session is revoked,
 * wherever that happened, so realtime can disconnect its sockets: `@OnEvent(SESSION_REVOKED)`.
 */
export const SESSION_REVOKED = 'session.revoked';

export interface SessionRevokedEvent {
  sessionId: string;
  userId: string;
  reason: RevocationReason;
}

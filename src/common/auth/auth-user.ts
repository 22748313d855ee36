import type { Scope } from './scopes.js';

export type Role = 'user' | 'admin';

/** The API key a caller authenticated with: the key's id and the scopes it was minted with. */
export interface ApiKeyGrant {
  id: string;
  scopes: readonly Scope[];
}

/**
 * Who is calling: what the access token proves, checked against revocation on every request. A caller
 * authenticated with an API key carries `apiKey`, and its `sessionId` is the key's id (revoking the key
 * ends it like a session: its sockets are disconnected everywhere); a session's caller has no `apiKey`
 * and holds every scope.
 */
export interface AuthUser {
  id: string;
  role: Role;
  sessionId: string;
  apiKey?: ApiKeyGrant;
}

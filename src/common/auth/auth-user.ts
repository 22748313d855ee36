export type Role = 'user' | 'admin';

/** Who is calling: what the access token proves, checked against revocation on every request. */
export interface AuthUser {
  id: string;
  role: Role;
  sessionId: string;
}

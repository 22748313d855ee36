import { HttpStatus } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import type { AuthUser } from './auth-user.js';

/**
 * THE scopes an API key can carry, with what each lets it do (the README's "Bots and API keys" table
 * is this one). A signed-in session (a JWT) holds every scope; a key holds the ones it was minted with.
 */
export const SCOPES = {
  'users:read': 'Read your own account and other people’s profiles; search users; list your push devices',
  'users:write': 'Change your own profile and metadata; block and unblock people; register and remove push devices',
  'conversations:read': 'List and read conversations and drafts',
  'conversations:write': 'Create conversations, rename them, manage members, move read and delivery markers, drafts, own state',
  'messages:read': 'History, search, threads, pins, mentions, /sync; connecting a socket (which receives every message of your conversations)',
  'messages:write': 'Send, edit, delete, forward, react, pin; scheduled messages; typing and sending on a socket',
  'media:read': 'Media descriptions, content and thumbnails',
  'media:write': 'Upload media',
  'reports:write': 'Report messages and users',
  'webhooks:manage': 'Manage outgoing webhook subscriptions (admins’ keys)',
  admin: 'The admin routes (only for a key of an admin: the role is still checked)',
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** A route or event no API key may use, whatever its scopes: signing in and out, sessions, key management. */
export const SESSION_ONLY = 'session-only';
export type ScopeRequirement = Scope | typeof SESSION_ONLY;

/**
 * The scope each route needs, keyed by the route's OpenAPI operationId (src/docs/openapi.ts,
 * `OPERATION_IDS`) — one line per route, so routes added in parallel merge as added lines. Every route
 * that is not `@Public()` must be here (`test/e2e/api-key-scopes.e2e-spec.ts` fails otherwise); at run
 * time a key on a route missing here is refused, never let through.
 */
export const ROUTE_SCOPES: Record<string, ScopeRequirement> = {
  // Credentials and sessions: a key is not a session, and must not mint or end one.
  logout: SESSION_ONLY,
  listSessions: SESSION_ONLY,
  revokeSession: SESSION_ONLY,
  changePassword: SESSION_ONLY,
  // Key management: a leaked key must not be able to mint more keys or outlive its own revocation.
  createApiKey: SESSION_ONLY,
  listApiKeys: SESSION_ONLY,
  revokeApiKey: SESSION_ONLY,
  // Erasing the account behind a key is the person's own decision, taken with their password.
  deleteOwnAccount: SESSION_ONLY,
  // A whole archive of a person's data goes to that person, signed in; not to a service holding a key.
  startDataExport: SESSION_ONLY,
  getDataExport: SESSION_ONLY,
  getMe: 'users:read',
  searchUsers: 'users:read',
  getUserProfile: 'users:read',
  updateMe: 'users:write',
  updateMyMetadata: 'users:write',
  registerDevice: 'users:write',
  listDevices: 'users:read',
  deleteDevice: 'users:write',
  blockUser: 'users:write',
  unblockUser: 'users:write',
  listConversations: 'conversations:read',
  getConversation: 'conversations:read',
  listDrafts: 'conversations:read',
  createConversation: 'conversations:write',
  renameConversation: 'conversations:write',
  setConversationRetention: 'conversations:write',
  addMembers: 'conversations:write',
  setMemberRole: 'conversations:write',
  removeMember: 'conversations:write',
  markConversationRead: 'conversations:write',
  markConversationDelivered: 'conversations:write',
  markThreadRead: 'conversations:write',
  updateMyConversationState: 'conversations:write',
  updateConversationMetadata: 'conversations:write',
  muteMember: 'conversations:write',
  unmuteMember: 'conversations:write',
  updateMemberMetadata: 'conversations:write',
  saveDraft: 'conversations:write',
  deleteDraft: 'conversations:write',
  listMessages: 'messages:read',
  searchMessages: 'messages:read',
  getThread: 'messages:read',
  listThreads: 'messages:read',
  listPins: 'messages:read',
  listMentions: 'messages:read',
  sync: 'messages:read',
  sendMessage: 'messages:write',
  editMessage: 'messages:write',
  deleteMessage: 'messages:write',
  addReaction: 'messages:write',
  removeReaction: 'messages:write',
  forwardMessage: 'messages:write',
  updateMessageMetadata: 'messages:write',
  pinMessage: 'messages:write',
  unpinMessage: 'messages:write',
  getMedia: 'media:read',
  getMediaContent: 'media:read',
  getMediaThumbnail: 'media:read',
  uploadMedia: 'media:write',
  deleteMedia: 'media:write',
  createReport: 'reports:write',
  adminSearchUsers: 'admin',
  adminUpdateUser: 'admin',
  getAdminStats: 'admin',
  adminDeleteMessage: 'admin',
  listAuditEntries: 'admin',
  listReports: 'admin',
  resolveReport: 'admin',
  setGlobalRetention: 'admin',
  createWebhook: 'webhooks:manage',
  listWebhooks: 'webhooks:manage',
  getWebhook: 'webhooks:manage',
  updateWebhook: 'webhooks:manage',
  deleteWebhook: 'webhooks:manage',
  listWebhookDeliveries: 'webhooks:manage',
  replayWebhook: 'webhooks:manage',
  deleteUserAccount: 'admin',
  createBot: 'admin',
  scheduleMessage: 'messages:write',
  updateScheduledMessage: 'messages:write',
  deleteScheduledMessage: 'messages:write',
  listScheduledMessages: 'messages:read',
};

/**
 * The scope each client socket event needs (the gateway indexes this with every event name, so an event
 * missing here does not compile). Connecting at all needs `messages:read` (a socket is
 * handed every message of its user's conversations); `auth.renew` swaps in a session's access token,
 * which a key's socket has no use for.
 */
export const HANDSHAKE_SCOPE: Scope = 'messages:read';
export const SOCKET_EVENT_SCOPES = {
  'conversation.join': 'messages:read',
  'conversation.leave': 'messages:read',
  'message.send': 'messages:write',
  'typing.start': 'messages:write',
  'typing.stop': 'messages:write',
  'message.delivered': 'conversations:write',
  'conversation.read': 'conversations:write',
  'auth.renew': SESSION_ONLY,
} as const satisfies Record<string, ScopeRequirement>;

/**
 * A route's operationId from its controller's and handler's names — `operationIdOf` of src/docs/openapi.ts,
 * provided under this token by src/docs (the guard below the docs can't import them).
 */
export const OPERATION_ID_OF = Symbol('operation-id-of');
export type OperationIdOf = (controllerName: string, handlerName: string) => string;

/** A key-authenticated caller outside its scopes. */
export class InsufficientScope extends AppException {
  constructor(needed: ScopeRequirement | undefined) {
    super(
      HttpStatus.FORBIDDEN,
      'INSUFFICIENT_SCOPE',
      needed && needed !== SESSION_ONLY ? `This API key lacks the scope ${needed}` : 'This needs a signed-in session: API keys cannot use it',
    );
  }
}

/** Whether the caller may do what needs `needed`: a session always; a key when it carries the scope. */
export function allows(user: AuthUser, needed: ScopeRequirement | undefined): boolean {
  if (!user.apiKey) return true;
  if (needed === undefined || needed === SESSION_ONLY) return false;
  return user.apiKey.scopes.includes(needed);
}

export function requireScope(user: AuthUser, needed: ScopeRequirement | undefined): void {
  if (!allows(user, needed)) throw new InsufficientScope(needed);
}

import { randomUUID } from 'node:crypto';
import type { ChatGiven } from './given-chat.js';
import { type Given, type GivenUser, uniqueName } from './given.js';
import { fileForm } from './multipart.js';
import type { HttpMethod } from './openapi-responses.js';
import { sessionIdOf, type World } from './world.js';

/**
 * THE authorization matrix: every route of the app × every kind of caller → the status it answers.
 * `authorization-matrix.e2e-spec.ts` runs every cell, and fails when the OpenAPI document has a route
 * this table lacks — add the row with the route.
 *
 * The callers, for the world's group (see test/support/world.ts): `anonymous` (no token), `nonMember`
 * (signed in, not in the group), `member`, `conversationAdmin`, `owner`, and `globalAdmin` (role admin,
 * not in the group — admins get no look into other people's conversations).
 */
export const CALLERS = ['anonymous', 'nonMember', 'member', 'conversationAdmin', 'owner', 'globalAdmin'] as const;
export type Caller = (typeof CALLERS)[number];

export interface CellRequest {
  /** The path with its parameters filled in, and any query. */
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

/** What a row's request is built from. */
export interface CellContext {
  world: World;
  /** The signed-in caller of this cell; null for `anonymous`. */
  caller: GivenUser | null;
  given: Given;
  chat: ChatGiven;
  png: Buffer;
}

export interface AuthorizationRow {
  method: HttpMethod;
  /** The path template as the OpenAPI document writes it (`{id}`). */
  route: string;
  expect: Record<Caller, number>;
  request: (context: CellContext) => CellRequest | Promise<CellRequest>;
  /**
   * What a cell must not share with the others, because the request changes it: `world` — a fresh group
   * (and its messages and media) among the same people; `session` — the caller signs in anew first;
   * `user` — the caller is a new user with the same global role (for what concerns only one's own account).
   */
  fresh?: 'world' | 'session' | 'user';
  /** Served, but not part of the OpenAPI document (Swagger UI and the documents themselves). */
  undocumented?: true;
}

const API = '/api/v1';

/** Everyone, signed in or not. */
const everyone = (status: number): Record<Caller, number> => ({
  anonymous: status,
  nonMember: status,
  member: status,
  conversationAdmin: status,
  owner: status,
  globalAdmin: status,
});

/** Any signed-in user, for what is their own; 401 without a token. */
const signedIn = (status: number): Record<Caller, number> => ({ ...everyone(status), anonymous: 401 });

/** The group's members; someone outside it (a global admin too) gets 404, as for a group that does not exist. */
const members = (status: number, overrides: Partial<Record<Caller, number>> = {}): Record<Caller, number> => ({
  anonymous: 401,
  nonMember: 404,
  member: status,
  conversationAdmin: status,
  owner: status,
  globalAdmin: 404,
  ...overrides,
});

/** Global admins only: 403 for everyone else signed in. */
const admins = (status: number): Record<Caller, number> => ({ ...everyone(403), anonymous: 401, globalAdmin: status });

const group = ({ world }: CellContext) => `${API}/conversations/${world.group.id}`;
/** A message the group's owner scheduled there: only the owner may change or cancel it. */
const scheduledOf = async ({ world, given }: CellContext) => (await given.scheduled(world.owner, world.group.id)).id;
const ownerMessage = (context: CellContext) => `${group(context)}/messages/${context.world.ownerMessage.id}`;
const thumbsUp = encodeURIComponent('👍');

export const AUTHORIZATION_TABLE: AuthorizationRow[] = [
  // Service routes: open to everyone.
  { method: 'GET', route: '/health/live', expect: everyone(200), request: () => ({ url: '/health/live' }) },
  { method: 'GET', route: '/health/ready', expect: everyone(200), request: () => ({ url: '/health/ready' }) },
  { method: 'GET', route: '/metrics', expect: everyone(200), request: () => ({ url: '/metrics' }) },
  { method: 'GET', route: '/docs', expect: everyone(200), request: () => ({ url: '/docs' }), undocumented: true },
  { method: 'GET', route: '/docs/openapi.json', expect: everyone(200), request: () => ({ url: '/docs/openapi.json' }), undocumented: true },
  { method: 'GET', route: '/docs/openapi.yaml', expect: everyone(200), request: () => ({ url: '/docs/openapi.yaml' }), undocumented: true },
  { method: 'GET', route: '/docs/asyncapi.json', expect: everyone(200), request: () => ({ url: '/docs/asyncapi.json' }), undocumented: true },

  // Auth: the credential routes are public; the rest is the caller's own.
  {
    method: 'POST',
    route: `${API}/auth/signup`,
    expect: everyone(201),
    request: () => {
      const username = uniqueName('m');
      return { url: `${API}/auth/signup`, payload: { email: `${username}@example.test`, username, password: 'a long password' } };
    },
  },
  {
    method: 'POST',
    route: `${API}/auth/login`,
    expect: everyone(200),
    request: ({ world }) => ({ url: `${API}/auth/login`, payload: { email: world.bystander.email, password: world.bystander.password } }),
  },
  {
    method: 'POST',
    route: `${API}/auth/refresh`,
    expect: everyone(200),
    request: async ({ world, given }) => ({
      url: `${API}/auth/refresh`,
      payload: { refreshToken: (await given.anotherSession(world.bystander)).refreshToken },
    }),
  },
  { method: 'POST', route: `${API}/auth/logout`, expect: signedIn(204), request: () => ({ url: `${API}/auth/logout` }), fresh: 'session' },
  { method: 'GET', route: `${API}/auth/sessions`, expect: signedIn(200), request: () => ({ url: `${API}/auth/sessions` }) },
  {
    // One of the owner's sessions: nobody else may end it, and learns nothing (404, as for no session).
    method: 'DELETE',
    route: `${API}/auth/sessions/{id}`,
    expect: { anonymous: 401, nonMember: 404, member: 404, conversationAdmin: 404, owner: 204, globalAdmin: 404 },
    request: async ({ world, given }) => ({ url: `${API}/auth/sessions/${sessionIdOf(await given.anotherSession(world.owner))}` }),
  },
  {
    method: 'POST',
    route: `${API}/auth/password`,
    expect: signedIn(204),
    request: ({ caller }) => ({
      url: `${API}/auth/password`,
      payload: { currentPassword: caller?.password ?? 'a long password', newPassword: 'another long password' },
    }),
    fresh: 'user',
  },

  // Users: profiles are for everyone signed in; `me` is the caller's own.
  { method: 'GET', route: `${API}/users/me`, expect: signedIn(200), request: () => ({ url: `${API}/users/me` }) },
  { method: 'PATCH', route: `${API}/users/me`, expect: signedIn(200), request: () => ({ url: `${API}/users/me`, payload: { statusText: 'In the matrix' } }) },
  {
    method: 'PATCH',
    route: `${API}/users/me/metadata`,
    expect: signedIn(200),
    request: () => ({ url: `${API}/users/me/metadata`, payload: { 'matrix.cell': true } }),
  },
  {
    method: 'DELETE',
    route: `${API}/users/me`,
    expect: signedIn(202),
    request: ({ caller }) => ({ url: `${API}/users/me`, payload: { password: caller?.password ?? 'a long password' } }),
    fresh: 'user',
  },
  { method: 'POST', route: `${API}/users/me/export`, expect: signedIn(202), request: () => ({ url: `${API}/users/me/export` }), fresh: 'user' },
  {
    method: 'GET',
    route: `${API}/users/me/export/{id}`,
    expect: signedIn(200),
    request: async ({ caller, given }) => ({ url: `${API}/users/me/export/${caller ? await given.dataExport(caller) : randomUUID()}` }),
    fresh: 'user',
  },
  {
    // The signature is the credential: the owner's ready export answers anyone who holds its URL.
    method: 'GET',
    route: `${API}/exports/{id}/signed`,
    expect: everyone(200),
    request: async ({ given }) => {
      const owner = await given.user();
      const { url } = await given.finishedExport(owner, await given.dataExport(owner));
      return { url: url! };
    },
  },
  { method: 'GET', route: `${API}/users`, expect: signedIn(200), request: ({ world }) => ({ url: `${API}/users?search=${world.member.username}` }) },
  { method: 'GET', route: `${API}/users/{id}`, expect: signedIn(200), request: ({ world }) => ({ url: `${API}/users/${world.member.id}` }) },
  { method: 'PUT', route: `${API}/users/{id}/block`, expect: signedIn(204), request: ({ world }) => ({ url: `${API}/users/${world.bystander.id}/block` }) },
  { method: 'DELETE', route: `${API}/users/{id}/block`, expect: signedIn(204), request: ({ world }) => ({ url: `${API}/users/${world.bystander.id}/block` }) },

  // Conversations: members see them; owner and admins manage them; only the owner hands out roles.
  {
    method: 'POST',
    route: `${API}/conversations`,
    expect: signedIn(201),
    request: () => ({ url: `${API}/conversations`, payload: { type: 'group', title: 'Made in the matrix', memberIds: [] } }),
  },
  { method: 'GET', route: `${API}/conversations`, expect: signedIn(200), request: () => ({ url: `${API}/conversations` }) },
  { method: 'GET', route: `${API}/conversations/{id}`, expect: members(200), request: (context) => ({ url: group(context) }) },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}`,
    expect: members(200, { member: 403 }),
    request: (context) => ({ url: group(context), payload: { title: 'Renamed in the matrix' } }),
  },
  {
    method: 'POST',
    route: `${API}/conversations/{id}/members`,
    expect: members(200, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/members`, payload: { userIds: [context.world.nonMember.id] } }),
    fresh: 'world',
  },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}/members/{userId}`,
    expect: members(200, { member: 403, conversationAdmin: 403 }),
    request: (context) => ({ url: `${group(context)}/members/${context.world.bystander.id}`, payload: { role: 'admin' } }),
    fresh: 'world',
  },
  {
    // Removing a plain member (not leaving: that is anyone's right, in conversations.e2e-spec.ts).
    method: 'DELETE',
    route: `${API}/conversations/{id}/members/{userId}`,
    expect: members(204, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/members/${context.world.bystander.id}` }),
    fresh: 'world',
  },
  {
    // Muting a plain member: the owner and admins may; an admin may not mute the owner or another admin (moderation.e2e-spec.ts).
    method: 'PUT',
    route: `${API}/conversations/{id}/members/{userId}/mute`,
    expect: members(204, { member: 403 }),
    request: (context) => ({
      url: `${group(context)}/members/${context.world.bystander.id}/mute`,
      payload: { until: new Date(Date.now() + 3_600_000).toISOString() },
    }),
    fresh: 'world',
  },
  {
    method: 'DELETE',
    route: `${API}/conversations/{id}/members/{userId}/mute`,
    expect: members(204, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/members/${context.world.bystander.id}/mute` }),
  },
  {
    // The bystander's metadata: the owner and admins may set a plain member's; the member themself is in member-metadata.e2e-spec.ts.
    method: 'PATCH',
    route: `${API}/conversations/{id}/members/{userId}/metadata`,
    expect: members(200, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/members/${context.world.bystander.id}/metadata`, payload: { 'matrix.cell': true } }),
  },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}/metadata`,
    expect: members(200, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/metadata`, payload: { 'matrix.cell': true } }),
  },
  // null drops an override, which there is none of: the cell leaves the group's messages alone.
  {
    method: 'PUT',
    route: `${API}/conversations/{id}/retention`,
    expect: members(200, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/retention`, payload: { days: null } }),
  },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}/messages/{messageId}/metadata`,
    expect: members(200, { member: 403, conversationAdmin: 403 }),
    request: (context) => ({ url: `${ownerMessage(context)}/metadata`, payload: { 'matrix.cell': true } }),
  },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}/me`,
    expect: members(200),
    request: (context) => ({ url: `${group(context)}/me`, payload: { pinned: true, notificationLevel: 'mentions' } }),
  },
  {
    method: 'PUT',
    route: `${API}/conversations/{id}/draft`,
    expect: members(204),
    request: (context) => ({ url: `${group(context)}/draft`, payload: { content: 'half a thought' } }),
  },
  { method: 'DELETE', route: `${API}/conversations/{id}/draft`, expect: members(204), request: (context) => ({ url: `${group(context)}/draft` }) },
  { method: 'GET', route: `${API}/drafts`, expect: signedIn(200), request: () => ({ url: `${API}/drafts` }) },
  {
    method: 'POST',
    route: `${API}/conversations/{id}/read`,
    expect: members(204),
    request: (context) => ({ url: `${group(context)}/read`, payload: { seq: 1 } }),
  },
  {
    method: 'POST',
    route: `${API}/conversations/{id}/delivered`,
    expect: members(204),
    request: (context) => ({ url: `${group(context)}/delivered`, payload: { seq: 1 } }),
  },

  // Messages: members read and write; only the sender edits; the sender, owner and admins delete.
  {
    method: 'POST',
    route: `${API}/conversations/{id}/messages`,
    expect: members(201),
    request: (context) => ({ url: `${group(context)}/messages`, payload: { clientMessageId: randomUUID(), content: 'from the matrix' } }),
  },
  { method: 'GET', route: `${API}/conversations/{id}/messages`, expect: members(200), request: (context) => ({ url: `${group(context)}/messages?after=0` }) },
  {
    method: 'PATCH',
    route: `${API}/conversations/{id}/messages/{messageId}`,
    expect: members(200, { member: 403, conversationAdmin: 403 }),
    request: (context) => ({ url: ownerMessage(context), payload: { content: 'edited in the matrix' } }),
  },
  {
    method: 'DELETE',
    route: `${API}/conversations/{id}/messages/{messageId}`,
    expect: members(204, { member: 403 }),
    request: (context) => ({ url: ownerMessage(context) }),
    fresh: 'world',
  },
  {
    method: 'PUT',
    route: `${API}/conversations/{id}/messages/{messageId}/reactions/{emoji}`,
    expect: members(200),
    request: (context) => ({ url: `${ownerMessage(context)}/reactions/${thumbsUp}` }),
  },
  {
    method: 'DELETE',
    route: `${API}/conversations/{id}/messages/{messageId}/reactions/{emoji}`,
    expect: members(204),
    request: (context) => ({ url: `${ownerMessage(context)}/reactions/${thumbsUp}` }),
  },
  {
    method: 'GET',
    route: `${API}/conversations/{id}/messages/{messageId}/thread`,
    expect: members(200),
    request: (context) => ({ url: `${ownerMessage(context)}/thread` }),
  },
  {
    method: 'POST',
    route: `${API}/conversations/{id}/messages/{messageId}/thread/read`,
    expect: members(204),
    request: (context) => ({ url: `${ownerMessage(context)}/thread/read`, payload: { seq: 1 } }),
  },
  { method: 'GET', route: `${API}/threads`, expect: members(200), request: ({ world }) => ({ url: `${API}/threads?conversationId=${world.group.id}` }) },
  {
    method: 'POST',
    route: `${API}/conversations/{id}/messages/{messageId}/forward`,
    expect: members(201),
    request: (context) => ({ url: `${ownerMessage(context)}/forward`, payload: { toConversationId: context.world.group.id, clientMessageId: randomUUID() } }),
  },
  { method: 'GET', route: `${API}/mentions`, expect: signedIn(200), request: () => ({ url: `${API}/mentions` }) },
  // Pins: owners and admins of a group pin and unpin; every member sees the pins.
  {
    method: 'PUT',
    route: `${API}/conversations/{id}/pins/{messageId}`,
    expect: members(204, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/pins/${context.world.ownerMessage.id}` }),
  },
  {
    method: 'DELETE',
    route: `${API}/conversations/{id}/pins/{messageId}`,
    expect: members(204, { member: 403 }),
    request: (context) => ({ url: `${group(context)}/pins/${context.world.ownerMessage.id}` }),
  },
  { method: 'GET', route: `${API}/conversations/{id}/pins`, expect: members(200), request: (context) => ({ url: `${group(context)}/pins` }) },
  {
    method: 'GET',
    route: `${API}/messages/search`,
    expect: members(200),
    request: ({ world }) => ({ url: `${API}/messages/search?q=owner&conversationId=${world.group.id}` }),
  },

  // Media: anyone signed in uploads; a file is readable by its uploader and the members of a conversation carrying it.
  {
    method: 'POST',
    route: `${API}/media`,
    expect: signedIn(201),
    request: ({ png }) => {
      const form = fileForm(png, 'matrix.png');
      return { url: `${API}/media`, payload: form.payload, headers: form.headers };
    },
  },
  { method: 'GET', route: `${API}/media/{id}`, expect: members(200), request: ({ world }) => ({ url: `${API}/media/${world.media.id}` }) },
  { method: 'GET', route: `${API}/media/{id}/content`, expect: members(200), request: ({ world }) => ({ url: `${API}/media/${world.media.id}/content` }) },
  { method: 'GET', route: `${API}/media/{id}/thumbnail`, expect: members(200), request: ({ world }) => ({ url: `${API}/media/${world.media.id}/thumbnail` }) },
  // A signed URL needs no token: whoever holds it loads it while the rule it was issued under holds.
  {
    // The member's upload, attached in the group: only the member (its uploader) deletes it; others who see it 403.
    method: 'DELETE',
    route: `${API}/media/{id}`,
    expect: members(403, { member: 204 }),
    request: ({ world }) => ({ url: `${API}/media/${world.media.id}` }),
    fresh: 'world',
  },
  { method: 'GET', route: `${API}/media/{id}/signed/{variant}`, expect: everyone(200), request: ({ world }) => ({ url: world.media.url }) },

  // Admin: global admins only.
  { method: 'GET', route: `${API}/admin/users`, expect: admins(200), request: () => ({ url: `${API}/admin/users` }) },
  {
    method: 'PATCH',
    route: `${API}/admin/users/{id}`,
    expect: admins(200),
    request: async ({ given }) => ({ url: `${API}/admin/users/${(await given.user()).id}`, payload: { banned: true } }),
  },
  { method: 'GET', route: `${API}/admin/stats`, expect: admins(200), request: () => ({ url: `${API}/admin/stats` }) },
  {
    method: 'DELETE',
    route: `${API}/admin/messages/{id}`,
    expect: admins(204),
    request: async ({ world, chat }) => ({ url: `${API}/admin/messages/${(await chat.message(world.member, world.group, 'to be moderated')).id}` }),
  },

  {
    method: 'DELETE',
    route: `${API}/admin/users/{id}`,
    expect: admins(202),
    request: async ({ given }) => ({ url: `${API}/admin/users/${(await given.user()).id}` }),
  },
  // null keeps messages forever: the cell deletes nothing in the database other suites share.
  { method: 'PUT', route: `${API}/admin/retention`, expect: admins(200), request: () => ({ url: `${API}/admin/retention`, payload: { days: null } }) },
  // Devices: anyone signed in, for their own.
  {
    method: 'POST',
    route: `${API}/devices`,
    expect: signedIn(201),
    request: () => ({ url: `${API}/devices`, payload: { platform: 'web', token: `matrix-${randomUUID()}` } }),
  },
  { method: 'GET', route: `${API}/devices`, expect: signedIn(200), request: () => ({ url: `${API}/devices` }) },
  {
    method: 'DELETE',
    route: `${API}/devices/{id}`,
    expect: signedIn(204),
    request: async ({ caller, given }) => {
      const owner = caller ?? (await given.user());
      return { url: `${API}/devices/${(await given.device(owner)).id}` };
    },
  },

  // Webhooks: global admins only (an admin's API key needs `webhooks:manage`).
  {
    method: 'POST',
    route: `${API}/admin/webhooks`,
    expect: admins(201),
    request: () => ({ url: `${API}/admin/webhooks`, payload: { url: 'http://127.0.0.1:9/never', events: ['pin.updated'], conversationId: randomUUID() } }),
  },
  { method: 'GET', route: `${API}/admin/webhooks`, expect: admins(200), request: () => ({ url: `${API}/admin/webhooks?limit=5` }) },
  {
    method: 'GET',
    route: `${API}/admin/webhooks/{id}`,
    expect: admins(200),
    request: async ({ given }) => ({ url: `${API}/admin/webhooks/${(await given.webhook()).id}` }),
  },
  {
    method: 'PATCH',
    route: `${API}/admin/webhooks/{id}`,
    expect: admins(200),
    request: async ({ given }) => ({ url: `${API}/admin/webhooks/${(await given.webhook()).id}`, payload: { events: ['pin.updated', 'mention'] } }),
  },
  {
    method: 'DELETE',
    route: `${API}/admin/webhooks/{id}`,
    expect: admins(204),
    request: async ({ given }) => ({ url: `${API}/admin/webhooks/${(await given.webhook()).id}` }),
  },
  {
    method: 'GET',
    route: `${API}/admin/webhooks/{id}/deliveries`,
    expect: admins(200),
    request: async ({ given }) => ({ url: `${API}/admin/webhooks/${(await given.webhook()).id}/deliveries` }),
  },
  {
    method: 'POST',
    route: `${API}/admin/webhooks/{id}/replay`,
    expect: admins(202),
    request: async ({ given }) => {
      const hook = await given.webhook();
      return { url: `${API}/admin/webhooks/${hook.id}/replay`, payload: { fromCursor: hook.cursor } };
    },
  },

  { method: 'GET', route: `${API}/admin/audit`, expect: admins(200), request: () => ({ url: `${API}/admin/audit?limit=5` }) },
  { method: 'GET', route: `${API}/admin/reports`, expect: admins(200), request: () => ({ url: `${API}/admin/reports?status=open` }) },
  {
    method: 'POST',
    route: `${API}/admin/reports/{id}/resolve`,
    expect: admins(200),
    request: async ({ world, given }) => {
      const reporter = await given.user();
      const report = await given.report(reporter, { userId: world.bystander.id, reason: 'spam' });
      return { url: `${API}/admin/reports/${report.id}/resolve`, payload: { action: 'dismiss' } };
    },
  },

  // Bots and API keys: admins create bots; anyone signed in manages their own keys (never with a key:
  // test/e2e/api-keys.e2e-spec.ts covers key-authenticated callers).
  {
    method: 'POST',
    route: `${API}/admin/bots`,
    expect: admins(201),
    request: () => ({ url: `${API}/admin/bots`, payload: { username: uniqueName('bot'), displayName: 'A bot' } }),
  },
  {
    method: 'POST',
    route: `${API}/api-keys`,
    expect: signedIn(201),
    request: () => ({ url: `${API}/api-keys`, payload: { name: 'matrix', scopes: ['messages:read'] } }),
  },
  { method: 'GET', route: `${API}/api-keys`, expect: signedIn(200), request: () => ({ url: `${API}/api-keys` }) },
  {
    method: 'DELETE',
    route: `${API}/api-keys/{id}`,
    expect: { anonymous: 401, nonMember: 404, member: 404, conversationAdmin: 404, owner: 204, globalAdmin: 404 },
    request: async ({ world, given }) => ({ url: `${API}/api-keys/${(await given.apiKey(world.owner, { scopes: ['messages:read'] })).id}` }),
  },
  // Scheduled messages: whoever may post in the conversation schedules; each manages only their own.
  {
    method: 'POST',
    route: `${API}/conversations/{id}/scheduled`,
    expect: members(201),
    request: (context) => ({
      url: `${group(context)}/scheduled`,
      payload: { clientMessageId: randomUUID(), content: 'later', sendAt: new Date(Date.now() + 3_600_000).toISOString() },
    }),
  },
  { method: 'GET', route: `${API}/scheduled`, expect: signedIn(200), request: () => ({ url: `${API}/scheduled?limit=5` }) },
  {
    method: 'PATCH',
    route: `${API}/scheduled/{id}`,
    expect: { anonymous: 401, nonMember: 404, member: 404, conversationAdmin: 404, owner: 200, globalAdmin: 404 },
    request: async (context) => ({ url: `${API}/scheduled/${await scheduledOf(context)}`, payload: { content: 'edited' } }),
  },
  {
    method: 'DELETE',
    route: `${API}/scheduled/{id}`,
    expect: { anonymous: 401, nonMember: 404, member: 404, conversationAdmin: 404, owner: 204, globalAdmin: 404 },
    request: async (context) => ({ url: `${API}/scheduled/${await scheduledOf(context)}` }),
  },
  // Reports: a message needs a member (anyone else gets 404, a global admin too; its sender 400); a user, anyone signed in.
  {
    method: 'POST',
    route: `${API}/reports`,
    expect: members(201, { member: 400 }),
    request: ({ world }) => ({ url: `${API}/reports`, payload: { messageId: world.memberMessage.id, reason: 'spam' } }),
    fresh: 'world',
  },

  // Sync: the caller's own events.
  { method: 'GET', route: `${API}/sync`, expect: signedIn(200), request: () => ({ url: `${API}/sync` }) },
];

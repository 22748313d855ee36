/**
 * A frontend's flow written against the client that openapi-typescript generates from /docs/openapi.json
 * (`./generated/openapi.ts`, made by scripts/check-documents.mjs), with openapi-fetch: it must type-check
 * without a single cast — every payload, the `/sync` union narrowed by `type`, errors narrowed by `code` —
 * and then it runs against the real server.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';

type Schemas = components['schemas'];
type SyncEvent = Schemas['SyncEventDto'];
type ErrorCode = Schemas['ErrorCode'];

// @ts-expect-error error codes are an enum, not any string
const notACode: ErrorCode = 'NO_SUCH_CODE';
void notACode;

/** What a chat UI would draw for each event: `data` is typed by `type`, so each case reads its own fields. */
export function describeEvent(event: SyncEvent): string {
  switch (event.type) {
    case 'message.created':
      return `#${event.data.seq} ${event.data.sender.username}: ${event.data.content ?? '(attachments)'}`;
    case 'message.updated':
      return `#${event.data.seq} edited at ${event.data.editedAt ?? '?'}`;
    case 'message.deleted':
      return `#${event.data.seq} deleted at ${event.data.deletedAt ?? '?'}`;
    case 'reaction.updated':
      return `${event.data.messageId}: ${event.data.reactions.map((reaction) => `${reaction.emoji}×${reaction.count}`).join(' ')}`;
    case 'receipt':
      return `${event.data.userId} ${event.data.type} up to #${event.data.seq}`;
    case 'conversation.updated':
      return `${event.data.title ?? 'direct'} (${event.data.memberCount} members, ${event.data.unreadCount} unread)`;
    case 'conversation.removed':
      return `left ${event.data.conversationId}`;
    case 'thread.updated':
      return `thread ${event.data.rootId}: ${event.data.replyCount} replies`;
    case 'thread.read':
      return `thread ${event.data.rootId} read up to #${event.data.seq}`;
    case 'mention':
      return `mentioned in ${event.data.messageId}`;
    case 'pin.updated':
      return `${event.data.messageId} ${event.data.pinned ? 'pinned' : 'unpinned'}`;
    case 'metadata.updated':
      return `${event.data.target} ${event.data.id}: ${Object.keys(event.data.metadata).join(', ')}`;
    case 'draft.updated':
      return `draft in ${event.data.conversationId}: ${event.data.content ?? '(cleared)'}`;
    case 'member.updated':
      return `${event.data.userId} is now ${event.data.role} in ${event.data.conversationId}`;
    case 'report.resolved':
      return `report ${event.data.reportId}: ${event.data.action ?? event.data.status}`;
    case 'webhook.disabled':
      return `webhook ${event.data.webhookId} disabled after ${event.data.deadDeliveries} dead deliveries`;
    case 'export.finished':
      return `export ${event.data.exportId}: ${event.data.status}`;
    default: {
      const unknown: never = event;
      return String(unknown);
    }
  }
}

/** What a UI tells the user for an error, by its code. */
export function explain(error: Schemas['ErrorEnvelopeDto']): string {
  switch (error.code) {
    case 'CONFLICT':
      return 'That email or username is taken';
    case 'VALIDATION_FAILED':
      return (error.details ?? []).map((detail) => `${detail.field}: ${detail.message}`).join('; ');
    case 'RATE_LIMITED':
      return 'Slow down';
    default:
      return error.message;
  }
}

/** Signs up two people, makes a group, sends, reads history, syncs, and provokes a CONFLICT; returns what a UI would show. */
export async function flow(baseUrl: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const shown: string[] = [];
  const tag = randomUUID().slice(0, 8);
  const signup = (name: string) =>
    api.POST('/api/v1/auth/signup', {
      body: { email: `${name}.${tag}@example.com`, username: `${name}_${tag}`, password: 'correct horse battery', displayName: name },
    });

  const ada = (await signup('ada')).data;
  const bob = (await signup('bob')).data;
  if (!ada || !bob) throw new Error('sign-up failed');
  const asAda = { headers: { authorization: `Bearer ${ada.accessToken}` } };
  const asBob = { headers: { authorization: `Bearer ${bob.accessToken}` } };

  const start = await api.GET('/api/v1/sync', { ...asBob });
  if (!start.data) throw new Error('sync failed');
  const group = await api.POST('/api/v1/conversations', { ...asAda, body: { type: 'group', title: `Lunch ${tag}`, memberIds: [bob.user.id] } });
  if (!group.data) throw new Error(explain(group.error));
  const conversation = group.data;
  shown.push(`${conversation.title ?? ''}: ${conversation.members.map((member) => `${member.user.displayName} (${member.role})`).join(', ')}`);

  const sent = await api.POST('/api/v1/conversations/{id}/messages', {
    ...asAda,
    params: { path: { id: conversation.id } },
    body: { clientMessageId: randomUUID(), content: 'Noon at the usual place?' },
  });
  if (!sent.data) throw new Error(explain(sent.error));
  shown.push(`sent #${sent.data.seq} (${sent.data.status})`);

  const history = await api.GET('/api/v1/conversations/{id}/messages', { ...asBob, params: { path: { id: conversation.id }, query: { limit: 20 } } });
  if (!history.data) throw new Error(explain(history.error));
  for (const message of history.data.items) shown.push(`history #${message.seq}: ${message.content ?? ''}`);

  const caughtUp = await api.GET('/api/v1/sync', { ...asBob, params: { query: { since: start.data.cursor } } });
  if (!caughtUp.data) throw new Error(explain(caughtUp.error));
  for (const event of caughtUp.data.events) shown.push(`sync ${describeEvent(event)}`);

  const again = await signup('ada');
  if (again.data) throw new Error('a second sign-up with the same email was accepted');
  if (again.error.code !== 'CONFLICT') throw new Error(`expected CONFLICT, got ${again.error.code}`);
  shown.push(`error ${again.response.status}: ${explain(again.error)}`);
  return shown;
}

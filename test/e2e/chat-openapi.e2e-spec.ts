import { useTestApp } from '../support/use-test-app.js';

interface Operation {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { oneOf?: unknown[]; $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

describe('OpenAPI document of the conversation and message endpoints', () => {
  const app = useTestApp();
  let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };

  beforeAll(async () => {
    document = (await app.running.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
  });

  const routes = [
    ['post', '/api/v1/conversations', [201, 200], 'ConversationDetailDto'],
    ['get', '/api/v1/conversations', [200], 'ConversationPageDto'],
    ['get', '/api/v1/conversations/{id}', [200], 'ConversationDetailDto'],
    ['patch', '/api/v1/conversations/{id}', [200], 'ConversationDetailDto'],
    ['post', '/api/v1/conversations/{id}/members', [200], 'ConversationDetailDto'],
    ['patch', '/api/v1/conversations/{id}/members/{userId}', [200], 'ConversationDetailDto'],
    ['delete', '/api/v1/conversations/{id}/members/{userId}', [204], null],
    ['post', '/api/v1/conversations/{id}/read', [204], null],
    ['post', '/api/v1/conversations/{id}/messages', [201, 200], 'MessageDto'],
    ['get', '/api/v1/conversations/{id}/messages', [200], 'MessageHistoryDto'],
    ['patch', '/api/v1/conversations/{id}/messages/{messageId}', [200], 'MessageDto'],
    ['delete', '/api/v1/conversations/{id}/messages/{messageId}', [204], null],
    ['put', '/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', [200], 'ReactionSummaryDto'],
    ['post', '/api/v1/conversations/{id}/delivered', [204], null],
    ['delete', '/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', [204], null],
    ['get', '/api/v1/messages/search', [200], 'MessagePageDto'],
    ['delete', '/api/v1/admin/messages/{id}', [204], null],
  ] as const;

  it.each(routes)('documents %s %s with its answers, auth and errors in the envelope', (method, path, statuses, schema) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    for (const status of statuses) {
      const success = operation.responses[String(status)];
      expect(success).toBeDefined();
      if (schema) expect(success.content?.['application/json'].schema.$ref).toBe(`#/components/schemas/${schema}`);
    }
    expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
    expect(operation.responses['401']).toBeDefined();
    if (path.includes('{id}') && !path.includes('/admin/')) expect(operation.responses['404']).toBeDefined();
    if (['post', 'patch'].includes(method)) {
      expect(operation.requestBody?.content['application/json'].schema).toBeDefined();
      expect(operation.responses['400']).toBeDefined();
    }
    for (const [code, response] of Object.entries(operation.responses).filter(([code]) => Number(code) >= 400)) {
      expect([code, response.content?.['application/json'].schema.$ref]).toEqual([code, '#/components/schemas/ErrorEnvelopeDto']);
    }
  });

  it('describes both kinds of conversation body and every field of Conversation and Message', () => {
    const body = document.paths['/api/v1/conversations'].post.requestBody?.content['application/json'].schema;
    expect(body?.oneOf).toEqual([{ $ref: '#/components/schemas/CreateDirectConversationDto' }, { $ref: '#/components/schemas/CreateGroupConversationDto' }]);
    const { schemas } = document.components;
    expect(Object.keys(schemas.ConversationDto.properties).sort()).toEqual(
      [
        'id',
        'type',
        'title',
        'createdAt',
        'lastSeq',
        'lastMessage',
        'unreadCount',
        'unreadMentions',
        'myRole',
        'memberCount',
        'muted',
        'mutedUntil',
        'archived',
        'hidden',
        'pinned',
        'notificationLevel',
        'draft',
        'metadata',
        'peer',
        'mode',
        'slowModeSeconds',
      ].sort(),
    );
    expect(Object.keys(schemas.MemberDto.properties).sort()).toEqual(
      ['user', 'role', 'lastReadSeq', 'lastDeliveredSeq', 'joinedAt', 'moderationMuted', 'moderationMutedUntil', 'metadata'].sort(),
    );
    expect(Object.keys(schemas.MessageDto.properties).sort()).toEqual(
      [
        'id',
        'conversationId',
        'seq',
        'sender',
        'content',
        'attachments',
        'replyToId',
        'clientMessageId',
        'reactions',
        'status',
        'createdAt',
        'editedAt',
        'deletedAt',
        'threadRootId',
        'alsoToConversation',
        'replyCount',
        'lastReplyAt',
        'threadParticipantIds',
        'mentions',
        'pinnedAt',
        'forwardedFrom',
        'metadata',
        'preview',
      ].sort(),
    );
    expect(Object.keys(schemas.AdminStatsDto.properties).sort()).toEqual(['conversations', 'messages', 'onlineUsers', 'users']);
  });
});

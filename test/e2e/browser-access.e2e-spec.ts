import { randomUUID } from 'node:crypto';
import { ERROR_CODES, HTTP_ERROR_CODES, SOCKET_ERROR_CODES } from '../../src/common/errors/error-codes.js';
import { CORS_EXPOSED_HEADERS } from '../../src/common/http/cors.js';
import { DURABLE_EVENT_TYPES } from '../../src/events/chat-events.js';
import { builders, type GivenUser } from '../support/given.js';
import { chatBuilders } from '../support/given-chat.js';
import { mediaClient } from '../support/media.js';
import { image } from '../support/media-samples.js';
import { expectResponseMatchesOpenApi, loadOpenApi, type OpenApiDocument } from '../support/openapi-responses.js';
import { invariantProblems } from '../support/response-invariants.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * What a browser relies on, over the wire without a browser (test/browser drives real Chromium): the CORS
 * policy for a list of origins and for `*`, REST and the Socket.IO handshake alike; the body types the API
 * parses; the security headers per kind of answer; and the socket's answers to unknown events and bad
 * payloads. The documents' shape is checked by scripts/check-documents.mjs and, in part, here.
 */

const APP_ORIGIN = 'https://app.example';
const STRANGER = 'https://evil.example';

let running: TestApp;
let document: OpenApiDocument;
let ada: GivenUser;
let bob: GivenUser;

beforeAll(async () => {
  running = await startTestApp({ CORS_ORIGINS: `${APP_ORIGIN},https://admin.example` }, { listen: true });
  document = await loadOpenApi(running);
  const given = builders(running);
  [ada, bob] = await Promise.all([given.user(), given.user()]);
});

afterAll(async () => {
  await running.close();
});

const preflight = (origin: string, method: string, url = '/api/v1/users/me') =>
  running.app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

describe('CORS with a list of origins', () => {
  it('answers a request without an Origin (an app, a service) with vary: Origin and no CORS headers, a listed origin with them', async () => {
    const plain = await running.app.inject({ method: 'GET', url: '/health/live' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers.vary).toContain('Origin');
    expect(Object.keys(plain.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const fromPage = await running.app.inject({ method: 'GET', url: '/health/live', headers: { origin: APP_ORIGIN } });
    expect(fromPage.headers).toMatchObject({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-expose-headers': expect.stringContaining('x-request-id'),
    });
  });

  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])('lets a listed origin preflight %s with the bearer header, cached for 2 hours', async (method) => {
    const response = await preflight(APP_ORIGIN, method);
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '7200',
      vary: expect.stringContaining('Origin'),
      'x-request-id': expect.any(String),
    });
    expect(String(response.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
    expect(String(response.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(expect.arrayContaining(['authorization', 'content-type']));
  });

  it('gives an unlisted origin nothing to go on', async () => {
    const refused = await preflight(STRANGER, 'PATCH');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const read = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { ...ada.auth, origin: STRANGER } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes the headers a page must read on real answers', async () => {
    const response = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { ...ada.auth, origin: APP_ORIGIN } });
    expect(String(response.headers['access-control-expose-headers']).split(/,\s*/).sort()).toEqual([...CORS_EXPOSED_HEADERS].sort());
    for (const name of [
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'retry-after',
      'etag',
      'content-range',
      'accept-ranges',
      'content-disposition',
    ]) {
      expect(CORS_EXPOSED_HEADERS).toContain(name);
    }
  });

  it('applies the same list to the Socket.IO handshake (long-polling)', async () => {
    const handshake = (origin: string) => fetch(`${running.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await handshake(APP_ORIGIN);
    expect([allowed.status, allowed.headers.get('access-control-allow-origin'), allowed.headers.get('access-control-allow-credentials')]).toEqual([
      200,
      APP_ORIGIN,
      'true',
    ]);
    const refused = await handshake(STRANGER);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request bodies', () => {
  const expectRefused415 = (response: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
    expect(invariantProblems(response as Parameters<typeof invariantProblems>[0])).toEqual([]);
    expect([response.statusCode, JSON.parse(response.body).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  };

  it.each([
    ['application/x-www-form-urlencoded', 'email=eve%40example.test&username=eve_form&password=12345678'],
    ['text/plain', '{"email":"eve@example.test","username":"eve_text","password":"12345678"}'],
    ['application/xml', '<signup/>'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\neve@example.test\r\n--x--\r\n'],
  ])('refuses a %s body with 415 before any route sees it, and creates nothing', async (contentType, payload) => {
    const response = await running.app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': contentType }, payload });
    expectRefused415(response);
    expectResponseMatchesOpenApi(document, 'POST', '/api/v1/auth/signup', response);
    const patch = await running.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: { ...ada.auth, 'content-type': contentType }, payload });
    expectRefused415(patch);
  });

  it('still parses application/json with a charset', async () => {
    const response = await running.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: { ...ada.auth, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ statusText: 'Here' }),
    });
    expect([response.statusCode, response.json().statusText]).toEqual([200, 'Here']);
  });

  it('takes an empty body sent as application/json as no body, on every body-less route', async () => {
    const given = builders(running);
    const user = await given.user();
    const other = await given.anotherSession(user);
    const chat = chatBuilders(running);
    const group = await chat.group(user, [bob]);
    const message = await chat.message(user, group, 'react to me');
    const empty = { 'content-type': 'application/json' };
    const sessions = (await running.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: user.auth })).json() as Array<{
      id: string;
      current: boolean;
    }>;
    const otherSession = sessions.find((session) => !session.current)!;
    const calls: Array<[string, string, number]> = [
      ['PUT', `/api/v1/users/${bob.id}/block`, 204],
      ['DELETE', `/api/v1/users/${bob.id}/block`, 204],
      ['PUT', `/api/v1/conversations/${group.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`, 200],
      ['DELETE', `/api/v1/conversations/${group.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`, 204],
      ['DELETE', `/api/v1/conversations/${group.id}/members/${bob.id}`, 204],
      ['DELETE', `/api/v1/auth/sessions/${otherSession.id}`, 204],
      ['GET', '/api/v1/users/me', 200],
      ['POST', '/api/v1/auth/logout', 204],
    ];
    for (const [method, url, status] of calls) {
      const response = await running.app.inject({ method: method as 'GET', url, headers: { ...user.auth, ...empty }, payload: '' });
      expect([method, url, response.statusCode, response.body]).toEqual([method, url, status, status === 204 ? '' : expect.any(String)]);
    }
    const revoked = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: other.auth });
    expect(revoked.statusCode).toBe(401);
  });

  it('treats an empty JSON body on a route that needs one as a body with no fields: 400 naming them', async () => {
    const response = await running.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((detail: { field: string }) => detail.field)).toEqual(expect.arrayContaining(['email', 'password']));
    expectResponseMatchesOpenApi(document, 'POST', '/api/v1/auth/login', response);
  });
});

describe('browser security headers', () => {
  it('sends nosniff, no-store, a deny-all CSP and same-origin resource policy with JSON', async () => {
    for (const url of ['/api/v1/users/me', '/api/v1/users/00000000-0000-4000-8000-000000000000', '/health/live']) {
      const response = await running.app.inject({ method: 'GET', url, headers: ada.auth });
      expect([url, response.headers]).toEqual([
        url,
        expect.objectContaining({
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none';frame-ancestors 'none'",
          'x-frame-options': 'DENY',
          'cross-origin-resource-policy': 'same-origin',
          'referrer-policy': 'no-referrer',
        }),
      ]);
      // Headers for HTML pages of past browsers are not sent.
      for (const legacy of ['x-xss-protection', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-dns-prefetch-control', 'origin-agent-cluster'])
        expect([url, legacy, response.headers[legacy]]).toEqual([url, legacy, undefined]);
    }
  });

  it('gives /docs a CSP that lets Swagger UI run from the server itself and no page frame it', async () => {
    const response = await running.app.inject({ method: 'GET', url: '/docs' });
    const csp = String(response.headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "connect-src 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(directive);
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it("lets a page on another origin embed media (cross-origin resource policy), keeping the route's own cache and sandbox headers", async () => {
    const upload = await mediaClient(running).uploaded(ada, await image.png(8, 8), 'dot.png');
    for (const url of [`/api/v1/media/${upload.id}/content`, `/api/v1/media/${upload.id}/thumbnail`]) {
      const response = await running.app.inject({ method: 'GET', url, headers: ada.auth });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({
        'cross-origin-resource-policy': 'cross-origin',
        'x-content-type-options': 'nosniff',
        'cache-control': expect.stringContaining('private'),
        'content-security-policy': expect.stringContaining('sandbox'),
      });
      const notModified = await running.app.inject({ method: 'GET', url, headers: { ...ada.auth, 'if-none-match': String(response.headers.etag) } });
      expect([notModified.statusCode, notModified.headers['cross-origin-resource-policy']]).toEqual([304, 'cross-origin']);
    }
    const missing = await running.app.inject({ method: 'GET', url: `/api/v1/media/${randomUUID()}/content`, headers: ada.auth });
    expect([missing.statusCode, missing.headers['cross-origin-resource-policy']]).toEqual([404, 'same-origin']);
  });
});

describe('socket answers a browser can act on', () => {
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
  });

  afterAll(() => {
    sockets.closeAll();
  });

  it('answers an event it does not know with UNKNOWN_EVENT instead of silence', async () => {
    const socket = await sockets.connect(running.url, ada.accessToken);
    const ack = await socket.socket.timeout(5_000).emitWithAck('message.sned', { conversationId: randomUUID() });
    expect(ack).toEqual({ ok: false, error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining('message.sned') } });
    // Known events are answered as before.
    const known = await socket.request('typing.start', { conversationId: 'nope' });
    expect(known).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('carries details on a validation failure, as REST does', async () => {
    const socket = await sockets.connect(running.url, ada.accessToken);
    const ack = await socket.request('message.send', { conversationId: 'not-a-uuid', clientMessageId: randomUUID(), content: 'x'.repeat(4001) });
    expect(ack.ok).toBe(false);
    const { details } = (ack as { error: { details?: Array<{ field: string; message: string }> } }).error;
    expect(details?.map((detail) => detail.field)).toEqual(expect.arrayContaining(['conversationId', 'content']));
    expect(checker.violations).toEqual([]);
  });
});

describe('the documents a frontend generates its client from', () => {
  it('is OpenAPI 3.1 without nullable, with the error-code table as its ErrorCode enum', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(JSON.stringify(document)).not.toContain('"nullable"');
    expect(document.components.schemas.ErrorCode).toMatchObject({ type: 'string', enum: HTTP_ERROR_CODES });
    expect(HTTP_ERROR_CODES).toEqual(expect.arrayContaining(['CONFLICT', 'NOT_FOUND', 'FORBIDDEN', 'UNAUTHORIZED', 'INTERNAL', 'UNSUPPORTED_MEDIA_TYPE']));
  });

  it('types /sync events as a union discriminated by type, one per durable realtime event', () => {
    const union = document.components.schemas.SyncEventDto as { oneOf: unknown[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
    expect(union.discriminator.propertyName).toBe('type');
    // Every durable event, and nothing else: a new durable type that /sync can return must be in the union.
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...DURABLE_EVENT_TYPES].sort());
    expect(Object.keys(union.discriminator.mapping)).toEqual(expect.arrayContaining(['message.created', 'receipt', 'conversation.removed']));
    expect(document.components.schemas.MessageCreatedSyncEvent).toMatchObject({ properties: { data: { $ref: '#/components/schemas/MessageDto' } } });
  });

  it('names operations for an SDK and gives path ids format: uuid and an example', () => {
    const sync = document.paths['/api/v1/sync'].get!;
    expect(sync.operationId).toBe('sync');
    expect(document.paths['/api/v1/conversations'].get!.operationId).toBe('listConversations');
    const id = document.paths['/api/v1/conversations/{id}'].get!.parameters!.find((parameter) => parameter.name === 'id')!;
    expect(id).toMatchObject({ schema: { type: 'string', format: 'uuid' }, example: expect.any(String) });
  });

  it('lists every socket error code in the AsyncAPI acknowledgement, names each message and says how the token is sent', async () => {
    const asyncApi = (await running.app.inject({ method: 'GET', url: '/docs/asyncapi.json' })).json();
    expect(asyncApi.components.schemas.AckErrorDto.properties.code.enum).toEqual(SOCKET_ERROR_CODES);
    expect(SOCKET_ERROR_CODES).toEqual(expect.arrayContaining(['ROOM_LIMIT', 'UNKNOWN_EVENT', 'VALIDATION_FAILED', 'RATE_LIMITED']));
    for (const [name, message] of Object.entries(asyncApi.components.messages as Record<string, { messageId: string }>)) expect(message.messageId).toBe(name);
    expect(asyncApi.components.securitySchemes.accessToken).toMatchObject({
      type: 'apiKey',
      in: 'user',
      description: expect.stringContaining('auth: { token'),
    });
  });

  it('has one status and meaning for every code', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES))
      expect([code, spec.status >= 400 && spec.status < 600, spec.meaning.length > 10]).toEqual([code, true, true]);
  });
});

describe('CORS_ORIGINS=*', () => {
  let open: TestApp;

  beforeAll(async () => {
    open = await startTestApp({ CORS_ORIGINS: '*' }, { listen: true });
  });

  afterAll(async () => {
    await open.close();
  });

  it('lets any origin in without credentials, over REST and the Socket.IO handshake', async () => {
    const rest = await open.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin: STRANGER, 'access-control-request-method': 'DELETE' },
    });
    expect(rest.headers['access-control-allow-origin']).toBe('*');
    expect(rest.headers['access-control-allow-credentials']).toBeUndefined();
    const socket = await fetch(`${open.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: STRANGER } });
    expect([socket.status, socket.headers.get('access-control-allow-origin'), socket.headers.get('access-control-allow-credentials')]).toEqual([
      200,
      '*',
      null,
    ]);
  });
});

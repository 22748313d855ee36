import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type ResponsesObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { IS_PUBLIC } from '../common/auth/auth.decorators.js';
import { ROUTE_SCOPES, SESSION_ONLY } from '../common/auth/scopes.js';
import { errorCodeTable, HTTP_ERROR_CODES } from '../common/errors/error-codes.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { SERVER_EVENTS } from '../realtime/events.map.js';
import { exampleOf, integersForNumbers, type JsonSchema } from './schemas.js';

const ENVELOPE = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelopeDto' } } };
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Top-level tags, in the order Swagger UI shows them; every operation's tag must be one of these. */
const TAGS: Array<[string, string]> = [
  ['auth', 'Sign-up, sign-in, token refresh and sessions. Access tokens are short-lived JWTs; a refresh token is good for one refresh.'],
  ['users', 'Your own account, public profiles with presence, and blocking.'],
  ['conversations', 'Direct conversations (one per pair of users) and groups: members, roles, read markers.'],
  ['messages', 'Sending (idempotent by `clientMessageId`), history by `seq`, edits, tombstones, reactions and search.'],
  ['media', 'Uploads (type decided from the bytes), their descriptions, content and thumbnails.'],
  ['sync', 'Catching up after being offline: every durable realtime event since a cursor, no gaps, no duplicates.'],
  ['reports', 'Reporting a message or a user to the admins; the reporter hears the outcome as `report.resolved`.'],
  ['integrations', 'Bots and API keys: scoped keys (`Authorization: Bearer ck_…`) for services acting as a user or a bot; scheduled messages.'],
  ['admin', 'For the role `admin` only: users, bans, any message, counts, the report queue, the audit log and outgoing webhooks.'],
  ['service', 'Liveness, readiness and metrics, outside `/api/v1` and without auth.'],
];

/**
 * The operationId of each route, as a generated SDK names its method (`client.listConversations()`),
 * keyed by controller and handler. A route missing here falls back to `<handler><Controller>`; the
 * document check (`scripts/check-documents.mjs`) refuses that, so new routes pick a name here.
 */
const OPERATION_IDS: Record<string, string> = {
  'Health.live': 'getLiveness',
  'Health.ready': 'getReadiness',
  'Metrics.index': 'getMetrics',
  'Auth.signup': 'signup',
  'Auth.login': 'login',
  'Auth.refresh': 'refreshTokens',
  'Auth.logout': 'logout',
  'Auth.listSessions': 'listSessions',
  'Auth.revokeSession': 'revokeSession',
  'Auth.changePassword': 'changePassword',
  'Users.me': 'getMe',
  'Users.updateMe': 'updateMe',
  'Users.updateMetadata': 'updateMyMetadata',
  'Users.search': 'searchUsers',
  'Users.profile': 'getUserProfile',
  'Users.block': 'blockUser',
  'Users.unblock': 'unblockUser',
  'Conversations.create': 'createConversation',
  'Conversations.list': 'listConversations',
  'Conversations.get': 'getConversation',
  'Conversations.rename': 'renameConversation',
  'Conversations.mute': 'muteMember',
  'Conversations.updateMemberMetadata': 'updateMemberMetadata',
  'MediaDeletion.remove': 'deleteMedia',
  'Conversations.unmute': 'unmuteMember',
  'Conversations.addMembers': 'addMembers',
  'Conversations.setRole': 'setMemberRole',
  'Conversations.removeMember': 'removeMember',
  'Conversations.markRead': 'markConversationRead',
  'Conversations.markDelivered': 'markConversationDelivered',
  'Conversations.updateOwnState': 'updateMyConversationState',
  'Conversations.updateMetadata': 'updateConversationMetadata',
  'Drafts.save': 'saveDraft',
  'Drafts.remove': 'deleteDraft',
  'Drafts.list': 'listDrafts',
  'Messages.send': 'sendMessage',
  'Messages.history': 'listMessages',
  'Messages.edit': 'editMessage',
  'Messages.remove': 'deleteMessage',
  'Messages.react': 'addReaction',
  'Messages.unreact': 'removeReaction',
  'Messages.search': 'searchMessages',
  'Messages.forward': 'forwardMessage',
  'Messages.updateMetadata': 'updateMessageMetadata',
  'Threads.thread': 'getThread',
  'Threads.markRead': 'markThreadRead',
  'Threads.list': 'listThreads',
  'Pins.pin': 'pinMessage',
  'Pins.unpin': 'unpinMessage',
  'Pins.list': 'listPins',
  'Mentions.list': 'listMentions',
  'Media.upload': 'uploadMedia',
  'Media.describe': 'getMedia',
  'Media.content': 'getMediaContent',
  'Media.thumbnail': 'getMediaThumbnail',
  'SignedMedia.download': 'getSignedMedia',
  'Admin.searchUsers': 'adminSearchUsers',
  'Admin.updateUser': 'adminUpdateUser',
  'Admin.stats': 'getAdminStats',
  'AdminMessages.remove': 'adminDeleteMessage',
  'Audit.list': 'listAuditEntries',
  'Reports.create': 'createReport',
  'Retention.setGlobal': 'setGlobalRetention',
  'AccountDeletion.deleteOwn': 'deleteOwnAccount',
  'AccountDeletion.deleteByAdmin': 'deleteUserAccount',
  'DataExports.start': 'startDataExport',
  'DataExports.status': 'getDataExport',
  'DataExports.download': 'downloadDataExport',
  'Retention.setForConversation': 'setConversationRetention',
  'AdminReports.list': 'listReports',
  'AdminReports.resolve': 'resolveReport',
  'Sync.sync': 'sync',
  'Bots.create': 'createBot',
  'ApiKeys.create': 'createApiKey',
  'ApiKeys.list': 'listApiKeys',
  'ApiKeys.revoke': 'revokeApiKey',
  'ConversationScheduled.schedule': 'scheduleMessage',
  'Scheduled.list': 'listScheduledMessages',
  'Scheduled.update': 'updateScheduledMessage',
  'Scheduled.remove': 'deleteScheduledMessage',
  'Devices.register': 'registerDevice',
  'Devices.list': 'listDevices',
  'Devices.remove': 'deleteDevice',
  'Webhooks.create': 'createWebhook',
  'Webhooks.list': 'listWebhooks',
  'Webhooks.get': 'getWebhook',
  'Webhooks.update': 'updateWebhook',
  'Webhooks.remove': 'deleteWebhook',
  'Webhooks.deliveries': 'listWebhookDeliveries',
  'Webhooks.replay': 'replayWebhook',
};

/** Marks an operationId that did not come from the table (so the document check can refuse it). */
export const UNNAMED_OPERATION_PREFIX = 'unnamed_';

export const operationIdOf = (controllerKey: string, methodKey: string): string => {
  const key = `${controllerKey.replace(/Controller$/, '')}.${methodKey}`;
  return OPERATION_IDS[key] ?? `${UNNAMED_OPERATION_PREFIX}${key.replace('.', '_')}`;
};

/** Examples for parameters whose schema alone can't make a meaningful one. */
const PARAMETER_EXAMPLES: Record<string, unknown> = {
  emoji: '👍',
  q: 'lunch',
  search: 'ada',
  cursor: 'eyJ0IjoiMjAyNi0xMi0wMVQxMjowMDowMC4wMDBaIn0',
  since: '0000000000000042',
  range: 'bytes=0-1023',
  'if-none-match': '"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
  'if-range': '"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
  // A signed media URL's query (GET /media/{id}/signed/{variant}).
  expires: '1767225600',
  scope: 'c.3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718',
  signature: 'q1QpMx7b1m6VbJ0kqg3Vw4b9l6H2d8n5yYt0cK3sZ1A',
  variant: 'content',
};

type Operations = Array<{ path: string; method: string; operation: OperationObject }>;

function operationsOf(document: OpenAPIObject): Operations {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] as OperationObject })),
  );
}

/**
 * Answers that don't come from a route's own rules, so no controller declares them: the global rate
 * limit (every throttled route), a database or Redis outage (every API route), and a body the parser
 * refuses — malformed, over the 1 MiB limit, or not JSON — on every route that takes one (Fastify parses a body
 * sent with any of these methods). Every error is the envelope, in JSON, whatever the route produces
 * otherwise (a media route's `@ApiProduces` would otherwise claim its errors come as images).
 */
function withCommonAnswers(document: OpenAPIObject): OpenAPIObject {
  const add = (responses: ResponsesObject, status: number, description: string) => {
    responses[status] ??= { description, content: ENVELOPE };
  };
  for (const { path, method, operation } of operationsOf(document)) {
    const api = path.startsWith('/api/');
    if (api || path === '/metrics') add(operation.responses, 429, '`RATE_LIMITED`: over THROTTLE_LIMIT requests a minute; see `retry-after`');
    if (api) add(operation.responses, 503, '`SERVICE_UNAVAILABLE`: the database or Redis is unavailable; retry shortly');
    if (api && BODY_METHODS.has(method)) {
      add(operation.responses, 400, '`VALIDATION_FAILED`: a body that is not well-formed JSON');
      add(operation.responses, 413, '`PAYLOAD_TOO_LARGE`: a body over 1 MiB');
      add(operation.responses, 415, '`UNSUPPORTED_MEDIA_TYPE`: a body that is not `application/json`');
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) >= 400 && response && 'description' in response) response.content = ENVELOPE;
    }
  }
  return document;
}

/** The operations of the routes `@Public()` opens (on the handler or its controller). */
function publicOperationIds(app: NestFastifyApplication): Set<string> {
  const reflector = app.get(Reflector);
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype, instance } of module.controllers.values()) {
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, metatype])) ids.add(operationIdOf(metatype.name, method));
      }
    }
  }
  return ids;
}

/**
 * Security as the global guard applies it: every operation needs the bearer token unless `@Public()`
 * opened its route, which says so with an explicit empty `security`. Read from the same metadata the guard
 * reads, so a route can't be documented as public while the guard protects it, or the other way round.
 * An operation an API key may call also lists the `apiKey` scheme with the scope it needs (from
 * `ROUTE_SCOPES`, the table the guard checks), says so in its description and `x-required-scope`, and
 * documents the 403 `INSUFFICIENT_SCOPE`; the others say keys are not accepted.
 */
function withSecurity(document: OpenAPIObject, publicIds: Set<string>): OpenAPIObject {
  for (const { operation } of operationsOf(document)) {
    if (!operation.operationId) continue;
    if (publicIds.has(operation.operationId)) {
      operation.security = [];
      continue;
    }
    const scope = ROUTE_SCOPES[operation.operationId];
    const keyable = scope !== undefined && scope !== SESSION_ONLY;
    operation.security = keyable ? [{ bearer: [] }, { apiKey: [scope] }] : [{ bearer: [] }];
    (operation as OperationObject & { 'x-required-scope': string | null })['x-required-scope'] = keyable ? scope : null;
    const note = keyable ? `API key scope: \`${scope}\`.` : 'API keys: not accepted, a signed-in session only.';
    operation.description = operation.description ? `${operation.description}\n\n${note}` : note;
    const refusal = keyable ? `\`INSUFFICIENT_SCOPE\`: an API key without \`${scope}\`` : '`INSUFFICIENT_SCOPE`: an API key (not accepted here)';
    const forbidden = operation.responses['403'] as ResponseObject | undefined;
    operation.responses['403'] = forbidden ? { ...forbidden, description: `${forbidden.description}; or ${refusal}` } : { description: refusal, content: ENVELOPE };
  }
  return document;
}

const header = (description: string, schema: SchemaObject, example: unknown) => ({ description, schema: { ...schema, example } });

/** Response headers, defined once and referenced from every response that carries them. */
const HEADERS = {
  RequestId: header("The request's id: the client's own `x-request-id` when it sent a sane one, else a new UUID; also the envelope's `requestId`", { type: 'string' }, '6f1c2a4e-3b1d-4c55-9a53-1f0c7f5b2a10'),
  RateLimitLimit: header('The budget of the limit closest to running out (requests per window)', { type: 'integer', minimum: 1 }, 300),
  RateLimitRemaining: header('What is left of that budget in the current window', { type: 'integer', minimum: 0 }, 299),
  RateLimitReset: header('Seconds until that window resets', { type: 'integer', minimum: 0 }, 60),
  RetryAfter: header('Seconds to wait before trying again', { type: 'integer', minimum: 0 }, 30),
  ETag: header("The SHA-256 of the bytes, as a strong entity tag; send it as `if-none-match` or `if-range`", { type: 'string' }, '"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"'),
  AcceptRanges: header('Byte ranges are supported', { type: 'string', enum: ['bytes'] }, 'bytes'),
  ContentRange: header('The range sent, and the whole size (`bytes */<size>` with a 416)', { type: 'string' }, 'bytes 0-1023/48213'),
  ContentDisposition: header('`inline` for images, `attachment` for everything else, with a file name', { type: 'string' }, 'inline; filename="3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718.jpg"'),
  CacheControl: header(
    'Media never changes for an id: `private` (a browser may keep it, shared caches may not); a year on the bearer routes, until the URL expires on a signed one',
    { type: 'string' },
    'private, max-age=31536000, immutable',
  ),
  CrossOriginResourcePolicy: header('`cross-origin`: a page on another origin may show it with `<img>` / `<video>`', { type: 'string', enum: ['cross-origin'] }, 'cross-origin'),
} satisfies Record<string, { description: string; schema: SchemaObject }>;

const headerRef = (name: keyof typeof HEADERS): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/**
 * Documents the headers responses carry: `x-request-id` on every one, the rate-limit headers on every
 * answer of a throttled route (the ones that document a 429) and `retry-after` on the 429 itself, and
 * the media headers on binary answers (`etag`, `accept-ranges`, `content-range` on a 206 or 416,
 * `content-disposition`, `cache-control`, `cross-origin-resource-policy`).
 */
function withResponseHeaders(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const { operation } of operationsOf(document)) {
    const throttled = '429' in operation.responses;
    const binary = Object.values(operation.responses).some((response) => Object.keys((response as ResponseObject).content ?? {}).some((type) => !type.includes('json')));
    for (const [status, response] of Object.entries(operation.responses) as Array<[string, ResponseObject]>) {
      const headers: Record<string, ReferenceObject> = { 'x-request-id': headerRef('RequestId') };
      if (throttled) {
        headers['x-ratelimit-limit'] = headerRef('RateLimitLimit');
        headers['x-ratelimit-remaining'] = headerRef('RateLimitRemaining');
        headers['x-ratelimit-reset'] = headerRef('RateLimitReset');
      }
      if (status === '429') headers['retry-after'] = headerRef('RetryAfter');
      if (binary && ['200', '206', '304'].includes(status)) {
        headers.etag = headerRef('ETag');
        headers['accept-ranges'] = headerRef('AcceptRanges');
        headers['cache-control'] = headerRef('CacheControl');
        headers['cross-origin-resource-policy'] = headerRef('CrossOriginResourcePolicy');
        if (status !== '304') headers['content-disposition'] = headerRef('ContentDisposition');
      }
      if (binary && (status === '206' || status === '416')) headers['content-range'] = headerRef('ContentRange');
      response.headers = { ...headers, ...response.headers };
    }
  }
  return document;
}

const pascal = (name: string) => name.replace(/(^|[._-])(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase());

/**
 * `/sync`'s events as a union discriminated by `type`: one schema per durable event of the realtime event
 * map, whose `data` is that event's payload class (the same class the AsyncAPI document describes), so a
 * generated client narrows `data` by checking `type`.
 */
function withTypedSyncEvents(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components!.schemas!;
  const base = schemas.SyncEventDto as SchemaObject;
  const variants: Record<string, string> = {};
  for (const [type, spec] of Object.entries(SERVER_EVENTS)) {
    if (!spec.durable) continue;
    const name = `${pascal(type)}SyncEvent`;
    variants[type] = `#/components/schemas/${name}`;
    schemas[name] = {
      type: 'object',
      description: `\`${type}\`: ${spec.summary}`,
      properties: {
        type: { type: 'string', enum: [type], example: type },
        data: { $ref: `#/components/schemas/${spec.payload.name}` },
        cursor: base.properties!.cursor,
      },
      required: ['type', 'data', 'cursor'],
    };
  }
  schemas.SyncEventDto = {
    description: 'One durable event, with the same `type` and `data` as its realtime emit; `data` is typed by `type`',
    oneOf: Object.values(variants).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'type', mapping: variants },
  };
  return document;
}

/** `{ $ref }` resolution inside the document, for the example generator. */
function resolver(document: OpenAPIObject) {
  return (ref: string): JsonSchema | undefined => {
    const name = ref.replace('#/components/schemas/', '');
    return document.components?.schemas?.[name] as JsonSchema | undefined;
  };
}

/**
 * An example for every parameter and request body that has none (Dredd, Prism's mock, Swagger UI's
 * "Try it out"), built from the schema and the examples its properties carry; path ids come with
 * `format: uuid` and their example from `UuidParam`. A body whose schema is a choice (`oneOf`) gets one
 * named example per choice; binary (multipart) bodies get none.
 */
function withExamples(document: OpenAPIObject): OpenAPIObject {
  const resolve = resolver(document);
  for (const { operation } of operationsOf(document)) {
    for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
      if (parameter.example !== undefined || parameter.examples) continue;
      const example = PARAMETER_EXAMPLES[parameter.name] ?? exampleOf(parameter.schema as JsonSchema, resolve);
      if (example !== undefined) parameter.example = example;
    }
    const body = operation.requestBody;
    if (!body || '$ref' in body) continue;
    for (const [type, media] of Object.entries(body.content)) {
      // A multipart upload's example would be a file: Swagger UI offers a file picker instead.
      if (!type.includes('json') || media.example !== undefined || media.examples || !media.schema) continue;
      const schema = media.schema as JsonSchema;
      if (Array.isArray(schema.oneOf)) {
        media.examples = Object.fromEntries(
          (schema.oneOf as JsonSchema[]).map((choice) => [String(choice.$ref ?? '').replace('#/components/schemas/', '') || 'example', { value: exampleOf(choice, resolve) }]),
        );
      } else {
        const example = exampleOf(schema, resolve);
        if (example !== undefined) media.example = example;
      }
    }
  }
  return document;
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Chat backend')
    .setDescription(
      [
        'REST API of the chat backend. Realtime events are described in `/docs/asyncapi.json`.',
        '',
        'Every error is an `ErrorEnvelope` whose `code` is one of these:',
        '',
        errorCodeTable(HTTP_ERROR_CODES),
      ].join('\n'),
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `accessToken` of sign-up, sign-in or refresh' })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ck_…',
        description: 'An API key (`POST /api/v1/api-keys`); each operation lists the scope it needs, and answers 403 `INSUFFICIENT_SCOPE` to a key without it',
      },
      'apiKey',
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const syncPayloads = Object.values(SERVER_EVENTS).flatMap((spec) => (spec.durable ? [spec.payload] : []));
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorEnvelopeDto, ...new Set(syncPayloads)],
    operationIdFactory: operationIdOf,
    // Tags are TAGS only: a controller without a class-level @ApiTags would otherwise add its own name.
    autoTagControllers: false,
  });
  integersForNumbers(document.components?.schemas);
  const publicIds = publicOperationIds(app);
  // Security first: it adds the 403 `INSUFFICIENT_SCOPE` answers, which then get their headers like any other.
  const steps = [(current: OpenAPIObject) => withSecurity(current, publicIds), withCommonAnswers, withTypedSyncEvents, withResponseHeaders, withExamples];
  return steps.reduce((current, step) => step(current), document);
}

/** Swagger UI at `/docs`, the document at `/docs/openapi.json`. */
export function serveOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  return document;
}

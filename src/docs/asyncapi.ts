import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { SESSION_ONLY, SOCKET_EVENT_SCOPES } from '../common/auth/scopes.js';
import { errorCodeTable, SOCKET_ERROR_CODES } from '../common/errors/error-codes.js';
import { integersForNumbers } from './schemas.js';
import { AckErrorDto, DeliveryMetaDto } from '../realtime/dto/server-events.dto.js';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../realtime/events.map.js';
import { MAX_CONVERSATION_ROOMS } from '../realtime/rooms.js';
import { MAX_EVENT_BYTES } from '../realtime/socket-io.adapter.js';
import { RATE_LIMITS } from '../common/rate-limits/rate-limits.js';

const SOCKET_EVENTS = RATE_LIMITS['socket-events'];
import { RealtimeModule } from '../realtime/realtime.module.js';

export const ASYNCAPI_PATH = '/docs/asyncapi.json';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function mapValues(record: Schema, map: (value: unknown, key: string) => unknown): Schema {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}

/**
 * The JSON schemas of the classes the event map names, and of what they refer to: @nestjs/swagger's
 * OpenAPI 3.1 output, which is JSON Schema (a nullable field is `type: [x, 'null']`, a nullable reference
 * `anyOf: [{ $ref }, { type: 'null' }]`), with the same integer rule as the OpenAPI document.
 */
function schemasOf(app: NestFastifyApplication, classes: Type<object>[]): Schema {
  const openapi = SwaggerModule.createDocument(app, new DocumentBuilder().setOpenAPIVersion('3.1.0').build(), { include: [RealtimeModule], extraModels: classes });
  const schemas = (openapi.components?.schemas ?? {}) as Schema;
  integersForNumbers(schemas);
  return schemas;
}

function ackSchema(data: Type<object> | null): Schema {
  const success: Schema = {
    type: 'object',
    required: data ? ['ok', 'data'] : ['ok'],
    properties: { ok: { const: true }, ...(data ? { data: ref(data.name) } : {}) },
  };
  return { oneOf: [success, ref('AckFailure')] };
}

/**
 * The AsyncAPI 2.6 document of the Socket.IO API, generated from the event map the gateway uses, with
 * the payload schemas of the same classes that validate client payloads and shape REST answers.
 */
export function buildAsyncApiDocument(app: NestFastifyApplication) {
  const classes = new Set<Type<object>>([DeliveryMetaDto, AckErrorDto]);
  for (const spec of Object.values(SERVER_EVENTS)) classes.add(spec.payload);
  for (const spec of Object.values(CLIENT_EVENTS)) {
    classes.add(spec.payload);
    if (spec.ackData) classes.add(spec.ackData);
  }
  const schemas: Schema = {
    ...schemasOf(app, [...classes]),
    AckFailure: {
      type: 'object',
      required: ['ok', 'error'],
      properties: { ok: { const: false }, error: ref(AckErrorDto.name) },
    },
  };
  const serverMessages = mapValues(SERVER_EVENTS, (spec) => {
    const { summary, payload, durable, to } = spec as (typeof SERVER_EVENTS)[keyof typeof SERVER_EVENTS];
    return {
      summary,
      payload: ref(payload.name),
      'x-recipients': to,
      'x-durable': durable,
      ...(durable ? { 'x-second-argument': ref(DeliveryMetaDto.name) } : {}),
    };
  });
  const clientMessages = mapValues(CLIENT_EVENTS, (spec, name) => {
    const { summary, payload, ackData } = spec as (typeof CLIENT_EVENTS)[keyof typeof CLIENT_EVENTS];
    const scope = SOCKET_EVENT_SCOPES[name as keyof typeof SOCKET_EVENT_SCOPES];
    return { summary, payload: ref(payload.name), 'x-ack': ackSchema(ackData), 'x-required-scope': scope === SESSION_ONLY ? null : scope };
  });
  const messages: Record<string, Schema> = { ...serverMessages, ...clientMessages } as Record<string, Schema>;
  for (const [name, message] of Object.entries(messages)) {
    message.name = name;
    message.messageId = name;
  }
  return {
    asyncapi: '2.6.0',
    id: 'urn:chat-backend:realtime',
    defaultContentType: 'application/json',
    info: {
      title: 'Chat backend — realtime (Socket.IO)',
      version: '1.0.0',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      description: [
        'Socket.IO 4 on the same origin as the REST API, path `/socket.io`, default namespace. Connect with',
        '`io(origin, { auth: { token: accessToken } })`; a missing, invalid, expired or revoked token fails with `connect_error`',
        'whose message is `UNAUTHORIZED`. Other refused handshakes: `RATE_LIMITED` (HANDSHAKE_RATE_LIMIT per address or',
        'HANDSHAKE_USER_RATE_LIMIT per user a minute; `error.data` is `{ code, message, retryAfter }`), `SOCKET_LIMIT` (the user has',
        'SOCKETS_PER_USER sockets connected; `error.data` is `{ code, message }`), `SERVICE_UNAVAILABLE` (retry shortly).',
        '',
        'An API key (`ck_…`, `POST /api/v1/api-keys`) works as the token too: connecting needs its `messages:read` scope',
        '(`connect_error` `INSUFFICIENT_SCOPE` otherwise), each event the scope of `x-required-scope` (acknowledged',
        '`INSUFFICIENT_SCOPE` otherwise), and `auth.renew` is refused; revoking the key disconnects its sockets (`session.revoked`).',
        '',
        'Every client event takes one JSON object and answers through the acknowledgement callback with',
        '`{ ok: true, data? }` or `{ ok: false, error: { code, message, details?, retryAfter? } }` (see `x-ack`): `details` lists',
        'each broken rule of a `VALIDATION_FAILED` as REST does, `retryAfter` (seconds) comes with `RATE_LIMITED`. An event the server',
        'does not know is answered `UNKNOWN_EVENT`. The codes:',
        '',
        errorCodeTable(SOCKET_ERROR_CODES),
        '',
        'Durable server events (`x-durable`) carry a second argument `{ cursor }`; after a reconnect, pass the',
        'last cursor to `GET /api/v1/sync?since=` to get exactly what was missed.',
        '',
        `Limits: ${MAX_EVENT_BYTES / 1024} KiB per event; ${SOCKET_EVENTS.per.replace(/^socket \(token bucket: (.*)\)$/, '$1')} client events per socket;`,
        `MESSAGE_RATE_LIMIT and TYPING_RATE_LIMIT per user, shared with REST and every instance; ${MAX_CONVERSATION_ROOMS} conversation rooms per socket.`,
      ].join('\n'),
    },
    servers: {
      default: {
        url: '{origin}',
        protocol: 'ws',
        description: 'Socket.IO v4 (Engine.IO v4: WebSocket, or HTTP long-polling first), path `/socket.io`',
        variables: { origin: { default: 'localhost:3000', description: 'The host (and port) of the REST API' } },
        security: [{ accessToken: [] }],
      },
    },
    channels: {
      '/': {
        description: 'The default namespace. Rooms: `user:<id>`, `conversation:<id>`; the server manages them.',
        publish: {
          operationId: 'clientEvents',
          summary: 'Events a client emits (always with an acknowledgement callback)',
          message: { oneOf: Object.keys(clientMessages).map((name) => ({ $ref: `#/components/messages/${name}` })) },
        },
        subscribe: {
          operationId: 'serverEvents',
          summary: 'Events the server emits',
          message: { oneOf: Object.keys(serverMessages).map((name) => ({ $ref: `#/components/messages/${name}` })) },
        },
      },
    },
    components: {
      messages,
      schemas,
      securitySchemes: {
        accessToken: {
          // Neither a header nor a query parameter: Socket.IO carries it in its CONNECT packet, the protocol's
          // own credentials field, which AsyncAPI 2.6 can only call an API key "in user".
          type: 'apiKey',
          in: 'user',
          description: [
            'The access token (a JWT from `POST /api/v1/auth/login`, `signup` or `refresh`) in the Socket.IO handshake\'s auth payload:',
            '`io(origin, { auth: { token: accessToken } })`. It is read from there only: an `Authorization` header, a cookie or a',
            'query parameter is ignored. Refused: `connect_error` with `message` `UNAUTHORIZED`. Before it expires, hand the socket',
            'a fresh one with the `auth.renew` event, or reconnect with it. An API key (`ck_…`) is accepted in its place, with its scopes.',
          ].join('\n'),
          'x-socket-io-auth': { token: 'accessToken' },
        },
      },
    },
  };
}

/** Serves the document at `/docs/asyncapi.json`, next to the OpenAPI document. */
export function serveAsyncApi(app: NestFastifyApplication): void {
  const document = buildAsyncApiDocument(app);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.get(ASYNCAPI_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').send(document));
}

import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type ResponsesObject, SwaggerModule } from '@nestjs/swagger';
import { IS_PUBLIC } from '../common/auth/auth.decorators.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';

const ENVELOPE = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelopeDto' } } };
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

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
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as Array<[string, OperationObject]>) {
      if (!operation?.responses) continue;
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
  }
  return document;
}

const operationIdOf = (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;

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
 */
function withSecurity(document: OpenAPIObject, publicIds: Set<string>): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      if (!operation?.operationId) continue;
      operation.security = publicIds.has(operation.operationId) ? [] : [{ bearer: [] }];
    }
  }
  return document;
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Chat backend')
    .setDescription(
      'REST API of the chat backend. Errors always use the `ErrorEnvelope` shape; realtime events are described in `/docs/asyncapi.json`.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelopeDto], operationIdFactory: operationIdOf });
  return withSecurity(withCommonAnswers(document), publicOperationIds(app));
}

/** Swagger UI at `/docs`, the document at `/docs/openapi.json`. */
export function serveOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  return document;
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type ResponsesObject, SwaggerModule } from '@nestjs/swagger';
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
  return withCommonAnswers(
    SwaggerModule.createDocument(app, config, {
      extraModels: [ErrorEnvelopeDto],
      operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
    }),
  );
}

/** Swagger UI at `/docs`, the document at `/docs/openapi.json`. */
export function serveOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  return document;
}

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TestApp } from './test-app.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type Schema = Record<string, unknown>;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface OpenApiMediaType {
  schema?: Schema;
}

export interface OpenApiOperation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, OpenApiMediaType> };
  responses: Record<string, { description?: string; content?: Record<string, OpenApiMediaType> }>;
}

export interface OpenApiDocument {
  openapi: string;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Partial<Record<Lowercase<HttpMethod>, OpenApiOperation>>>;
  components: { schemas: Record<string, Schema> };
}

/** One operation of the document: `POST /api/v1/conversations/{id}/messages`. */
export interface DocumentedOperation {
  method: HttpMethod;
  /** The path template as the document writes it, `{id}` style. */
  route: string;
  operation: OpenApiOperation;
}

/** A response as `app.inject` (or fetch, adapted) gives it. */
export interface ResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The OpenAPI document the booted app serves at /docs/openapi.json. */
export async function loadOpenApi(running: TestApp): Promise<OpenApiDocument> {
  const response = await running.app.inject({ method: 'GET', url: '/docs/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`/docs/openapi.json answered ${response.statusCode}`);
  return response.json() as OpenApiDocument;
}

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((method) => item[lowercase(method)]).map((method) => ({ method, route, operation: item[lowercase(method)]! })),
  );
}

const lowercase = <M extends HttpMethod>(method: M) => method.toLowerCase() as Lowercase<M>;

/**
 * Checks answers against the document as a strict OpenAPI 3.1 validator would: the status must be one
 * the operation documents, a body must come in a documented media type, and a JSON body must match the
 * documented schema as JSON Schema 2020-12, read as written — no leniency for `nullable` (3.1 has none:
 * null must be a declared type or alternative), error `code`s only from the documented enum — and
 * closed: an object that lists its properties may not carry others (an undocumented field is the
 * document lying, or a leak). Schemas are compiled once per document and (operation, status, media type).
 */
export class OpenApiResponses {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    if (!document.openapi.startsWith('3.1.')) throw new Error(`expected an OpenAPI 3.1 document, got ${document.openapi}`);
    if (JSON.stringify(document.components.schemas).includes('"nullable"')) throw new Error('the document uses `nullable`, which OpenAPI 3.1 does not have');
    this.ajv.addFormat('binary', true);
    const schemas = Object.fromEntries(Object.entries(document.components.schemas).map(([name, schema]) => [name, closed(schema)]));
    this.ajv.addSchema({ $id: 'openapi', components: { schemas } });
  }

  /** What is wrong with `response` for `method route`; empty when it is what the document says. */
  problems(method: HttpMethod, route: string, response: ResponseLike): string[] {
    const where = `${method} ${route} → ${response.statusCode}`;
    const operation = this.document.paths[route]?.[lowercase(method)];
    if (!operation) return [`${method} ${route} is not in the document`];
    const documented = operation.responses[String(response.statusCode)];
    if (!documented) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
    const hasBody = response.body.length > 0;
    const content = documented.content;
    if (!content) return hasBody ? [`${where}: a body, but the document declares none`] : [];
    if (!hasBody) return [];
    const contentType = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const mediaType = Object.keys(content).find((declared) => mediaTypeMatches(declared, contentType));
    if (!mediaType) return [`${where}: content-type ${contentType || '(none)'} is not one of ${Object.keys(content).join(', ')}`];
    const schema = content[mediaType].schema;
    if (!schema || !/[/+]json$/.test(contentType)) return [];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`${where}: ${contentType} body is not JSON`];
    }
    const validate = this.validator(`${method} ${route} ${response.statusCode} ${mediaType}`, schema);
    if (validate(body)) return [];
    return [`${where}: body does not match the schema: ${this.ajv.errorsText(validate.errors)} — ${truncate(response.body)}`];
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(closed(schema)));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

const checkers = new WeakMap<OpenApiDocument, OpenApiResponses>();

/** `OpenApiResponses` for this document, compiled once. */
export function openApiResponses(document: OpenApiDocument): OpenApiResponses {
  let checker = checkers.get(document);
  if (!checker) {
    checker = new OpenApiResponses(document);
    checkers.set(document, checker);
  }
  return checker;
}

/** Fails the test unless `response` is what the document says `method routeTemplate` answers. */
export function expectResponseMatchesOpenApi(document: OpenApiDocument, method: HttpMethod, routeTemplate: string, response: ResponseLike): void {
  const problems = openApiResponses(document).problems(method, routeTemplate, response);
  if (problems.length) throw new Error(`The response contradicts the OpenAPI document:\n${problems.join('\n')}`);
}

function mediaTypeMatches(declared: string, actual: string): boolean {
  if (declared === '*/*' || declared === actual) return true;
  return declared.endsWith('/*') && actual.startsWith(declared.slice(0, -1));
}

/** The schema with every object that lists its properties closed to others. */
function closed(schema: unknown): Schema {
  if (Array.isArray(schema)) return schema.map(closed) as unknown as Schema;
  if (!schema || typeof schema !== 'object') return schema as Schema;
  const copy: Record<string, unknown> = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([name, property]) => [name, closed(property)])) : closed(value),
    ]),
  );
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** Local `#/components/...` references point into the document registered as `openapi`. */
function rebase(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as Schema;
}

function truncate(text: string, length = 300): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

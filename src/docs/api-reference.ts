/**
 * docs/API.md, rendered from the two documents the server serves: the OpenAPI document (REST) and the
 * AsyncAPI document (Socket.IO). `npm run docs:api` writes it; a test renders it again from the served
 * documents and fails when the committed file differs, so the reference can't drift from the code.
 */

type Schema = Record<string, unknown>;
interface Document {
  info: { title: string; description?: string; version: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; messages?: Record<string, EventMessage> };
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}
interface EventMessage {
  name: string;
  summary?: string;
  payload?: Schema;
  'x-recipients'?: string;
  'x-durable'?: boolean;
  'x-second-argument'?: Schema;
  'x-ack'?: Schema;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const CONSTRAINTS: Array<[string, string]> = [
  ['minLength', 'min length'],
  ['maxLength', 'max length'],
  ['minimum', 'min'],
  ['maximum', 'max'],
  ['minItems', 'min items'],
  ['maxItems', 'max items'],
  ['pattern', 'pattern'],
  ['default', 'default'],
  ['const', 'always'],
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const code = (text: string) => `\`${text}\``;
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

/** A schema as a short type expression, with links to named schemas. */
function typeOf(schema: Schema | undefined): string {
  if (!schema) return 'any';
  if (typeof schema.$ref === 'string') return `[${refName(schema.$ref)}](#${anchor(refName(schema.$ref))})`;
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives) return alternatives.map(typeOf).join(' \\| ');
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return withNull(typeOf(schema.allOf[0] as Schema), schema);
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum)) return withNull(schema.enum.filter((value) => value !== null).map((value) => code(JSON.stringify(value))).join(' \\| '), schema);
  if (schema.properties && !schema.type) return inlineObject(schema);
  if (schema.type === 'object' && schema.properties) return withNull(inlineObject(schema), schema);
  if (!schema.type && schema.example !== undefined) return `like ${code(JSON.stringify(schema.example))}`;
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type ?? 'any']) as string[];
  const rendered = types.map((type) => {
    if (type === 'array') return `${typeOf(schema.items as Schema)}[]`;
    if (type === 'null') return 'null';
    return typeof schema.format === 'string' ? `${type} (${schema.format})` : type;
  });
  return withNull(rendered.join(' \\| '), schema);
}

/** An object schema without a name, written out: `{ ok: true, data?: Message }`. */
function inlineObject(schema: Schema): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(schema.properties as Record<string, Schema>).map(([name, property]) => `${name}${required.has(name) ? '' : '?'}: ${typeOf(property)}`);
  return `{ ${fields.join(', ')} }`;
}

const withNull = (type: string, schema: Schema) => (schema.nullable === true ? `${type} \\| null` : type);

function constraintsOf(schema: Schema): string[] {
  const items = (schema.items ?? {}) as Schema;
  const found = CONSTRAINTS.filter(([key]) => schema[key] !== undefined && key !== 'const').map(([key, label]) => `${label} ${code(JSON.stringify(schema[key]))}`);
  const ofItems = CONSTRAINTS.filter(([key]) => items[key] !== undefined).map(([key, label]) => `each: ${label} ${code(JSON.stringify(items[key]))}`);
  return [...found, ...ofItems];
}

function notesOf(schema: Schema): string {
  const parts = [schema.description as string | undefined, ...constraintsOf(schema)];
  if (schema.example !== undefined) parts.push(`example ${code(JSON.stringify(schema.example))}`);
  return cell(parts.filter(Boolean).join('; '));
}

function renderSchema(name: string, schema: Schema): string[] {
  const lines = [`### ${name}`, ''];
  if (schema.description) lines.push(String(schema.description), '');
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties || !Object.keys(properties).length) {
    lines.push(`${typeOf({ ...schema, description: undefined })}${constraintsOf(schema).length ? ` (${constraintsOf(schema).join('; ')})` : ''}`, '');
    return lines;
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  lines.push('| field | type | required | notes |', '| --- | --- | --- | --- |');
  for (const [field, property] of Object.entries(properties)) {
    lines.push(`| ${code(field)} | ${typeOf(property)} | ${required.has(field) ? 'yes' : 'no'} | ${notesOf(property)} |`);
  }
  lines.push('');
  return lines;
}

function bodyOf(content: Record<string, { schema?: Schema }> | undefined): string {
  if (!content) return '—';
  return Object.entries(content)
    .map(([type, media]) => `${media.schema ? typeOf(media.schema) : 'any'} (${code(type)})`)
    .join(', ');
}

function renderOperation(path: string, method: string, operation: Operation): string[] {
  const lines = [`#### ${code(`${method.toUpperCase()} ${path}`)}`, ''];
  if (operation.summary) lines.push(operation.summary, '');
  if (operation.description) lines.push(operation.description, '');
  const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
  lines.push(isPublic ? 'Auth: none (public).' : 'Auth: `Authorization: Bearer <accessToken>`.', '');
  if (operation.parameters?.length) {
    lines.push('| parameter | in | type | required | notes |', '| --- | --- | --- | --- | --- |');
    for (const parameter of operation.parameters) {
      const notes = [parameter.description, ...(parameter.schema ? constraintsOf(parameter.schema) : [])].filter(Boolean).join('; ');
      lines.push(`| ${code(parameter.name)} | ${parameter.in} | ${typeOf(parameter.schema)} | ${parameter.required ? 'yes' : 'no'} | ${cell(notes)} |`);
    }
    lines.push('');
  }
  if (operation.requestBody) lines.push(`Body${operation.requestBody.required ? '' : ' (optional)'}: ${bodyOf(operation.requestBody.content)}`, '');
  lines.push('| status | meaning | body |', '| --- | --- | --- |');
  for (const [status, response] of Object.entries(operation.responses ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| ${status} | ${cell(response.description || '—')} | ${bodyOf(response.content)} |`);
  }
  lines.push('');
  return lines;
}

function renderRest(openapi: Document): string[] {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(openapi.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(...renderOperation(path, method, operation));
    }
  }
  const lines = ['## REST', '', openapi.info.description ?? '', ''];
  for (const [tag, operations] of byTag) lines.push(`### ${tag}`, '', ...operations);
  return lines;
}

function renderEvent(message: EventMessage, direction: 'client' | 'server'): string[] {
  const lines = [`#### ${code(message.name)}`, ''];
  if (message.summary) lines.push(message.summary, '');
  lines.push(`- payload: ${typeOf(message.payload)}`);
  if (direction === 'server') {
    if (message['x-recipients']) lines.push(`- to: ${message['x-recipients']}`);
    lines.push(message['x-durable'] ? `- durable: yes — a second argument ${typeOf(message['x-second-argument'])} carries its cursor` : '- durable: no');
  } else if (message['x-ack']) {
    lines.push(`- acknowledgement: ${typeOf(message['x-ack'])}`);
  }
  lines.push('');
  return lines;
}

function renderRealtime(asyncapi: Document & { channels?: Record<string, { publish?: Channel; subscribe?: Channel }> }): string[] {
  const messages = asyncapi.components?.messages ?? {};
  const namesOf = (channel: Channel | undefined) => (channel?.message?.oneOf ?? []).map((entry) => refName(entry.$ref));
  const channel = Object.values(asyncapi.channels ?? {})[0];
  const lines = ['## Realtime (Socket.IO)', '', asyncapi.info.description ?? '', '', '### Client → server', ''];
  for (const name of namesOf(channel?.publish)) lines.push(...renderEvent(messages[name], 'client'));
  lines.push('### Server → client', '');
  for (const name of namesOf(channel?.subscribe)) lines.push(...renderEvent(messages[name], 'server'));
  return lines;
}
interface Channel {
  message?: { oneOf?: Array<{ $ref: string }> };
}

/**
 * The whole reference. The schemas of both documents are listed once each (the AsyncAPI document
 * carries JSON Schema versions of the same classes; its own extras, such as the acknowledgements, are
 * added), sorted by name so the file only changes where the API does.
 */
export function renderApiReference(openapi: Document, asyncapi: Document): string {
  const schemas = new Map<string, Schema>(Object.entries(asyncapi.components?.schemas ?? {}));
  for (const [name, schema] of Object.entries(openapi.components?.schemas ?? {})) schemas.set(name, schema);
  const lines = [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs:api` from the documents the server serves; do not edit by hand. -->',
    '',
    `REST: ${openapi.info.title} ${openapi.info.version}, served as OpenAPI 3 at \`/docs/openapi.json\` (Swagger UI at \`/docs\`).`,
    `Realtime: ${asyncapi.info.title} ${asyncapi.info.version}, served as AsyncAPI 2.6 at \`/docs/asyncapi.json\`.`,
    'This file is generated from both (`npm run docs:api`); a test fails when it and the served documents disagree.',
    'The README explains the rules behind these answers (auth, conversations, messages, media, realtime).',
    '',
    '- [REST](#rest)',
    '- [Realtime (Socket.IO)](#realtime-socketio)',
    '- [Schemas](#schemas)',
    '',
    ...renderRest(openapi),
    ...renderRealtime(asyncapi),
    '## Schemas',
    '',
    ...[...schemas.keys()].sort().flatMap((name) => renderSchema(name, schemas.get(name)!)),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

import { UUID_EXAMPLE } from '../common/validation/field.decorators.js';

export type JsonSchema = Record<string, unknown>;

const FORMAT_EXAMPLES: Record<string, unknown> = {
  uuid: UUID_EXAMPLE,
  'date-time': '2026-12-01T12:00:00.000Z',
  email: 'ada@example.com',
  uri: 'https://chat.example/',
};

const MAX_DEPTH = 8;

/**
 * A value that satisfies `schema`, for the document's examples: the schema's own example when it has
 * one, else one built from its properties' examples, its enum, format and bounds. Objects get their
 * required properties and those that carry an example. Undefined when nothing sensible can be made
 * (a binary upload).
 */
export function exampleOf(schema: JsonSchema | undefined, resolve: (ref: string) => JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > MAX_DEPTH) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (typeof schema.$ref === 'string') return exampleOf(resolve(schema.$ref), resolve, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((value) => value !== null) ?? null;
  for (const choice of ['oneOf', 'anyOf'] as const) {
    const options = schema[choice];
    if (Array.isArray(options)) return exampleOf((options as JsonSchema[]).find((option) => option.type !== 'null'), resolve, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as JsonSchema[]).map((part) => exampleOf(part, resolve, depth + 1));
    return parts.every((part) => part && typeof part === 'object') ? Object.assign({}, ...parts) : parts[0];
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((name) => name !== 'null') : (schema.type as string | undefined);
  switch (type) {
    case 'object':
      return objectExample(schema, resolve, depth);
    case 'array': {
      const item = exampleOf(schema.items as JsonSchema | undefined, resolve, depth + 1);
      return item === undefined ? [] : Array.from({ length: Math.max(1, Number(schema.minItems ?? 1)) }, () => item);
    }
    case 'integer':
    case 'number': {
      const minimum = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const maximum = typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(maximum, Math.max(minimum, 1));
    }
    case 'boolean':
      return true;
    case 'string':
      return stringExample(schema);
    default:
      return schema.properties ? objectExample(schema, resolve, depth) : undefined;
  }
}

function objectExample(schema: JsonSchema, resolve: (ref: string) => JsonSchema | undefined, depth: number): Record<string, unknown> {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const example: Record<string, unknown> = {};
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    if (!required.has(name) && property.example === undefined) continue;
    const value = exampleOf(property, resolve, depth + 1);
    if (value !== undefined) example[name] = value;
  }
  return example;
}

function stringExample(schema: JsonSchema): string | undefined {
  if (schema.format === 'binary') return undefined;
  const byFormat = FORMAT_EXAMPLES[String(schema.format)];
  if (typeof byFormat === 'string') return byFormat;
  const minLength = Number(schema.minLength ?? 1);
  const maxLength = Number(schema.maxLength ?? 64);
  const text = 'example text';
  return text.length >= minLength ? text.slice(0, Math.max(minLength, Math.min(maxLength, text.length))) : text.padEnd(minLength, '.');
}

/**
 * Every number this API carries is an integer — counts, seqs, sizes, pixels, seconds — but
 * `@ApiProperty()` on a `number` says `type: number`. Turns each `number` without a `format` into an
 * `integer`, in place; a real fraction someday would say `format: 'double'` and stay a number.
 */
export function integersForNumbers(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(integersForNumbers);
  if (!node || typeof node !== 'object') return;
  const schema = node as JsonSchema;
  if (schema.format === undefined) {
    if (schema.type === 'number') schema.type = 'integer';
    if (Array.isArray(schema.type)) schema.type = schema.type.map((type: unknown) => (type === 'number' ? 'integer' : type));
  }
  for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'examples' && key !== 'enum') integersForNumbers(value);
}

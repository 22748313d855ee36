import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import type { Schema } from './openapi-responses.js';

/**
 * Building blocks of the fuzz suites: how many cases, which seed, hostile values, and values made
 * from the JSON schemas of the API documents.
 *
 * `FUZZ_RUNS` cases per operation (CI: a handful; `npm run fuzz`: hundreds). The seed is random unless
 * `FUZZ_SEED` is set; every operation derives its own from it, and a failure names both, so
 * `FUZZ_SEED=<seed> npm run fuzz` replays it.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 15);
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** The seed of one property, stable for a base seed and a name. */
export function seedFor(name: string, base = FUZZ_SEED): number {
  return (createHash('sha256').update(name).digest().readInt32BE(0) ^ base) | 0;
}

/** Runs an async property with the suite's seed and run count; a failure says how to replay it. */
export async function assertProperty<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs = FUZZ_RUNS): Promise<void> {
  const seed = seedFor(name);
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed, numRuns: runs, endOnFailure: process.env.FUZZ_SHRINK !== 'true' });
  } catch (error) {
    (error as Error).message =
      `${name}: FUZZ_SEED=${FUZZ_SEED} (property seed ${seed}) — replay with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${runs}\n${(error as Error).message}`;
    throw error;
  }
}

/** A JSON token written as is (numbers JSON.stringify can't write: `1e400`, `-0`, long digit strings). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold `RawJson` tokens. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof RawJson)) return item;
    raws.push(item.text);
    return `\u0000raw${raws.length - 1}\u0000`;
  });
  if (text === undefined) return '';
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)]);
}

/** An object with an own property named `key` even for `__proto__` (which an object literal would turn into a prototype). */
export function withOwnKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** Keys that pollute prototypes in careless merges, and fields a client must never set. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];
export const PRIVILEGED_KEYS = ['role', 'id', 'userId', 'senderId', 'seq', 'banned', 'uploaderId', 'email', 'passwordHash', 'createdAt', 'deletedAt'];

const MEGABYTE = 1024 * 1024;

/** Text that has broken parsers, collations, logs and terminals. */
export const hostileStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  ' 42 ',
  'null',
  'undefined',
  'true',
  '[object Object]',
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '%_\\%',
  '$where',
  '{"$gt": ""}',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '\u202Egnp.exe',
  'مرحبا بالعالم',
  'שָׁלוֹם',
  '👍🏽👨‍👩‍👧‍👦🇯🇵1️⃣',
  'e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301',
  'Z̴̡̛̖͈̈́a̶̢̛͖͋l̷̡̛̙̈́g̴̢̛͙̈́o̵̢̧͋',
  '\uD800',
  '\uDFFF\uD800',
  '\uFEFF\u200B\u200D',
  '北京烤鸭',
  'ｆｕｌｌｗｉｄｔｈ',
  '\r\n\t\u000b\u000c',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-0000-0000-00000000000g',
  ':custom_emoji:',
  'x'.repeat(4001),
  'é'.repeat(20_000),
];

/** `text` with a NUL character somewhere in it: PostgreSQL can't store one, so it must never get that far. */
export function withNulInside(text: fc.Arbitrary<string> = fc.string({ unit: 'grapheme', maxLength: 30 })): fc.Arbitrary<string> {
  return fc.tuple(text, fc.nat()).map(([value, at]) => {
    const index = at % (value.length + 1);
    return `${value.slice(0, index)}\u0000${value.slice(index)}`;
  });
}

/** `{"a0":0,"a1":1,…}` with `keys` keys: wider than any body may be (MAX_ENTRIES). */
export function wideObject(keys: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: keys }, (_, n) => [`a${n}`, n]));
}

/**
 * Cursors as a client could forge them: base64url JSON like the server's own, holding what the database
 * can't read — impossible or malformed timestamps, NUL characters, non-uuids, other types — or not JSON.
 */
export function forgedCursor(): fc.Arbitrary<string> {
  const badTime = fc.constantFrom(
    '2026-13-45T99:99:99.000000Z',
    '2026-02-30T00:00:00Z',
    'yesterday',
    '',
    '2026-01-01T00:00:00Z\u0000',
    '99999-01-01T00:00:00Z',
    '1e400',
    '\u0000',
  );
  const badId = fc.oneof(fc.constantFrom('x', '', '\u0000', '00000000-0000-0000-0000-00000000000g'), withNulInside(fc.uuid()));
  const position = fc.oneof(
    fc.record({ positionAt: fc.oneof(badTime, fc.constant('2026-01-01T00:00:00.000000Z')), id: fc.oneof(badId, fc.uuid()) }),
    fc.record({ createdAt: fc.oneof(badTime, fc.constant('2026-01-01T00:00:00.000000Z')), id: fc.oneof(badId, fc.uuid()) }),
    fc.record({ username: fc.oneof(withNulInside(), fc.constant('x'.repeat(300))) }),
    fc.constantFrom<unknown>([1, 2], 12, null, 'text', { positionAt: 1, id: 2 }, { createdAt: [], id: {} }),
  );
  return fc.oneof(
    { arbitrary: position.map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')), weight: 5 },
    { arbitrary: fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString('base64url')), weight: 1 },
  );
}

/** Strings of every kind: any Unicode, grapheme clusters, ASCII, and the hostile ones. */
export function anyString(maxLength = 64): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...hostileStrings.filter((text) => text.length <= Math.max(maxLength, 64))),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary-ascii', maxLength }),
  );
}

/** Values of the wrong type, wrong size or wrong shape for anything. */
export function hostileValue(options: { hugeStrings?: boolean } = {}): fc.Arbitrary<unknown> {
  const scalars = fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER + 2,
      -Number.MAX_SAFE_INTEGER - 2,
      2 ** 31,
      2 ** 63,
      1e308,
      -1e308,
      new RawJson('-0'),
      new RawJson('1e400'),
      new RawJson('-1e400'),
      new RawJson('123456789012345678901234567890'),
      new RawJson('0.0000000000000000000000000001'),
    ),
    fc.double(),
    fc.integer(),
    anyString(),
  );
  const structures = fc.oneof(
    fc.constantFrom<unknown>(
      {},
      [],
      [null],
      { length: 1 },
      JSON.parse('{"__proto__": {"polluted": "yes"}}'),
      JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
      deeplyNested(2_000),
      wideObject(1_500),
      Array.from({ length: 1_500 }, (_, n) => n),
    ),
    fc.array(scalars, { maxLength: 5 }),
    fc.dictionary(anyString(12), scalars, { maxKeys: 4 }),
  );
  const huge = fc.constantFrom('x'.repeat(MEGABYTE), '👍'.repeat(MEGABYTE / 4), 'a\u0000'.repeat(MEGABYTE / 2));
  return options.hugeStrings
    ? fc.oneof({ arbitrary: scalars, weight: 6 }, { arbitrary: structures, weight: 3 }, { arbitrary: huge, weight: 1 })
    : fc.oneof({ arbitrary: scalars, weight: 2 }, { arbitrary: structures, weight: 1 });
}

/** `[[[[…]]]]` `depth` levels deep: recursion in a validator or a serializer. */
export function deeplyNested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

/** Where schema-made values take ids from: the ids of real things, so requests get past the lookups. */
export interface IdSource {
  /** Candidate ids for a field or parameter named `name` (empty: only random uuids). */
  idsFor(name: string): string[];
}

/**
 * Values that satisfy `schema` (as far as a generator can: formats, lengths, enums, required keys),
 * with uuids taken from real things half of the time. `$ref`s resolve in `schemas`.
 */
export function valueForSchema(schema: Schema | undefined, schemas: Record<string, Schema>, ids: IdSource, name = ''): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  if (typeof schema.$ref === 'string') return valueForSchema(schemas[schema.$ref.split('/').pop()!], schemas, ids, name);
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valueForSchema(alternative, schemas, ids, name)));
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return valueForSchema(schema.allOf[0] as Schema, schemas, ids, name);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = schema.type;
  if (type === 'string') return stringForSchema(schema, ids, name);
  if (type === 'integer' || type === 'number') {
    const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
    const max = typeof schema.maximum === 'number' ? schema.maximum : min + 10_000;
    return type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  }
  if (type === 'boolean') return fc.boolean();
  if (type === 'array') {
    const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 5, 5);
    return fc.array(valueForSchema(schema.items as Schema, schemas, ids, name), { minLength, maxLength: Math.max(minLength, maxLength) });
  }
  if (type === 'object' || schema.properties) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueForSchema(property, schemas, ids, key)]));
    return fc.record(model, { requiredKeys: ((schema.required as string[] | undefined) ?? []).filter((key) => key in model) });
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function stringForSchema(schema: Schema, ids: IdSource, name: string): fc.Arbitrary<string> {
  if (schema.format === 'uuid') {
    const known = ids.idsFor(name);
    return known.length ? fc.oneof(fc.constantFrom(...known), fc.uuid()) : fc.uuid();
  }
  if (schema.format === 'email') return fc.emailAddress();
  // URLs the server will call (webhooks): valid ones point at this machine only (port 9 refuses), so a
  // fuzzed subscription can never send traffic anywhere else.
  if (schema.format === 'uri')
    return fc.oneof(
      fc.webPath().map((path) => `http://127.0.0.1:9${path}`),
      fc.string({ maxLength: 64 }),
    );
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 64, 200);
  return fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, maxLength) });
}

/**
 * A JSON body for `schema`: mostly a plausible one, or one with a field of the wrong type, a required
 * field missing, an extra (privileged or prototype-polluting) key, or not an object at all.
 */
export function hostileBody(schema: Schema | undefined, schemas: Record<string, Schema>, ids: IdSource): fc.Arbitrary<unknown> {
  const plausible = valueForSchema(schema, schemas, ids);
  const asObject = plausible.map((value) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}));
  const fieldNames = Object.keys(((resolve(schema, schemas)?.properties as Schema | undefined) ?? {}) as Schema);
  const field = fieldNames.length ? fc.constantFrom(...fieldNames) : anyString(16);
  return fc.oneof(
    { arbitrary: plausible, weight: 4 },
    {
      arbitrary: fc.tuple(asObject, field, hostileValue({ hugeStrings: true })).map(([body, key, value]) => ({ ...body, [key]: value })),
      weight: 4,
    },
    { arbitrary: fc.tuple(asObject, field).map(([body, key]) => omit(body, key)), weight: 1 },
    { arbitrary: fc.tuple(asObject, field, withNulInside()).map(([body, key, value]) => ({ ...body, [key]: value })), weight: 2 },
    {
      arbitrary: fc
        .tuple(asObject, fc.constantFrom(...POLLUTION_KEYS, ...PRIVILEGED_KEYS), hostileValue())
        .map(([body, key, value]) => withOwnKey(body, key, value)),
      weight: 2,
    },
    { arbitrary: hostileValue({ hugeStrings: true }), weight: 2 },
  );
}

function resolve(schema: Schema | undefined, schemas: Record<string, Schema>): Schema | undefined {
  if (schema && typeof schema.$ref === 'string') return schemas[schema.$ref.split('/').pop()!];
  return schema;
}

function omit(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}

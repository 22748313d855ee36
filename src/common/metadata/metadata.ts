import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiProperty } from '@nestjs/swagger';
import { ValidationFailed } from '../errors/app.exception.js';

/**
 * Custom metadata: a JSON object that teams fill with their own fields, on users, conversations and
 * messages. A PATCH merges its keys into the object (`null` deletes a key); keys match `METADATA_KEY`;
 * the merged object is at most `METADATA_MAX_BYTES` of JSON. Values are any JSON.
 */
export const METADATA_KEY = /^[a-zA-Z0-9_.-]{1,64}$/;
export const METADATA_MAX_BYTES = 8 * 1024;

export type Metadata = Record<string, unknown>;

/** The object after `patch`, or 400 naming each bad key (and `metadata` when it grew too big). */
export function mergeMetadata(current: Metadata, patch: unknown): Metadata {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new ValidationFailed([{ field: 'metadata', message: 'the body must be a JSON object of keys to set (null deletes a key)' }]);
  }
  const badKeys = Object.keys(patch).filter((key) => !METADATA_KEY.test(key));
  if (badKeys.length) {
    throw new ValidationFailed(badKeys.slice(0, 20).map((key) => ({ field: key.slice(0, 80), message: `metadata keys must match ${METADATA_KEY.source}` })));
  }
  const badValues = Object.entries(patch as Metadata)
    .filter(([, value]) => !storable(value))
    .map(([key]) => key);
  if (badValues.length) {
    throw new ValidationFailed(
      badValues.slice(0, 20).map((key) => ({ field: key, message: 'metadata text must be well-formed Unicode without NUL characters' })),
    );
  }
  const merged: Metadata = { ...current };
  for (const [key, value] of Object.entries(patch as Metadata)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const bytes = Buffer.byteLength(JSON.stringify(merged));
  if (bytes > METADATA_MAX_BYTES) {
    throw new ValidationFailed([{ field: 'metadata', message: `metadata may hold at most ${METADATA_MAX_BYTES} bytes of JSON; this would be ${bytes}` }]);
  }
  return merged;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether the database can keep the value: no NUL character and no lone surrogate in any string of it, keys included. */
function storable(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value && typeof value === 'object') return Object.entries(value).every(([key, item]) => storable(key) && storable(item));
  return true;
}

const EXAMPLE = { 'crm.id': 'A-1042', tier: 'gold', legacy_flag: null };

/** The body of a metadata PATCH in the document (the route validates it with `mergeMetadata`). */
export function ApiMetadataBody() {
  return ApiBody({
    description: `Keys to set (matching \`${METADATA_KEY.source}\`), each to any JSON value; \`null\` deletes the key. At most ${METADATA_MAX_BYTES} bytes of JSON in all`,
    schema: { type: 'object', additionalProperties: true, example: EXAMPLE },
  });
}

/** A `metadata` property of a payload. */
export function MetadataProperty(description: string) {
  return applyDecorators(ApiProperty({ type: 'object', additionalProperties: true, description, example: { 'crm.id': 'A-1042', tier: 'gold' } }));
}

export class MetadataDto {
  [key: string]: unknown;
}

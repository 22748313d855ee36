import { ValidationFailed } from '../errors/app.exception.js';

/**
 * What a cursor's field holds, checked when it is decoded: a cursor is client input, and a value the
 * database can't read (`2026-13-45`, a NUL character, a non-uuid) was a 500 where the client deserves a 400.
 * - `timestamp`: UTC, as the database writes it (`2026-11-20T10:00:00.123456Z`);
 * - `uuid`;
 * - `text`: any text up to 256 characters, without NUL.
 */
export type CursorField = 'timestamp' | 'uuid' | 'text';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 256;

function fits(value: unknown, kind: CursorField): value is string {
  if (typeof value !== 'string') return false;
  switch (kind) {
    case 'timestamp':
      // The pattern lets 2026-13-45 through; the calendar doesn't.
      return TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString().slice(0, 10) === value.slice(0, 10);
    case 'uuid':
      return UUID.test(value);
    case 'text':
      return value.length <= MAX_TEXT && !value.includes('\u0000');
  }
}

/** Opaque cursors: base64url of JSON, so clients can't build them and the server may change what's inside. */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor stands for, every field of `shape` checked; otherwise 400 naming `cursor`. */
export function decodeCursor<K extends string>(cursor: string, shape: Record<K, CursorField>): Record<K, string> {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = null;
  }
  if (position && typeof position === 'object' && !Array.isArray(position)) {
    const fields = position as Record<string, unknown>;
    const keys = Object.keys(shape) as K[];
    if (keys.every((key) => fits(fields[key], shape[key]))) return Object.fromEntries(keys.map((key) => [key, fields[key]])) as Record<K, string>;
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
}

import { ValidationFailed } from '../errors/app.exception.js';

/** Opaque cursors: base64url of JSON, so clients can't build them and the server may change what's inside. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(cursor: string, keys: (keyof T & string)[]): T {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const valid = position && typeof position === 'object' && keys.every((key) => ['string', 'number'].includes(typeof position[key]));
    if (valid) return position as T;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
}

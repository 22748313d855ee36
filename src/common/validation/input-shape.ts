import type { ErrorDetail } from '../errors/app.exception.js';

/**
 * Deeper than any body, query or socket payload of this API. class-transformer recurses once per level,
 * so a body of a few thousand nested arrays (8 KB of `[[[[…`) would overflow the stack: a 500 for anyone.
 */
export const MAX_NESTING = 32;

/**
 * Keys and array items of one body, query or socket payload, all levels together. The widest real body
 * is a group of 256 members (255 ids). class-transformer and class-validator spend time on every key,
 * and list each unknown one: ~90,000 keys in a 1 MiB body took seconds of the event loop and answered
 * a 5 MB 400 — anonymously, on `POST /auth/login`.
 */
export const MAX_ENTRIES = 1_000;

/** Longest piece of a client's key quoted back in an error's `field`. */
const MAX_QUOTED_KEY = 64;

export interface InputProblem {
  /** The answer's message. */
  summary: string;
  detail: ErrorDetail;
}

interface Pending {
  value: unknown;
  depth: number;
  path: string;
}

/** A client's key as it may appear in an error: short, and with control characters made visible. */
export function quotedKey(key: string): string {
  const visible = key.replace(/\p{Cc}/gu, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return visible.length > MAX_QUOTED_KEY ? `${visible.slice(0, MAX_QUOTED_KEY)}…` : visible;
}

const join = (path: string, key: string | number) =>
  path ? `${path}.${typeof key === 'number' ? key : quotedKey(key)}` : typeof key === 'number' ? String(key) : quotedKey(key);

/**
 * What makes a client's input unfit to reach class-transformer, the database or the logs, found in one
 * iterative walk (so it can't overflow the stack itself) that stops at the first problem:
 * - nesting deeper than `depth` levels;
 * - more than `entries` keys and array items (the walk never looks past that many, so a 90,000-key body
 *   costs what a 1,000-key one does);
 * - a NUL character (U+0000) in any string or key: PostgreSQL can't store one in text (the query
 *   failed with a 500, logging the content), and no field of this API has a use for it.
 * `root` names the whole input (`body`, `query`) in the first two cases; a NUL names its field's path.
 */
export function inputProblem(value: unknown, root: string, limits = { depth: MAX_NESTING, entries: MAX_ENTRIES }): InputProblem | null {
  const pending: Pending[] = [{ value, depth: 0, path: '' }];
  let entries = 0;
  while (pending.length) {
    const current = pending.pop()!;
    if (typeof current.value === 'string') {
      if (current.value.includes('\u0000')) return nulIn(current.path || root);
      continue;
    }
    if (current.value === null || typeof current.value !== 'object') continue;
    if (current.depth >= limits.depth) return tooDeep(root, limits.depth);
    const depth = current.depth + 1;
    if (Array.isArray(current.value)) {
      if (entries + current.value.length > limits.entries) return tooWide(root, limits.entries);
      entries += current.value.length;
      current.value.forEach((item, index) => pending.push({ value: item, depth, path: join(current.path, index) }));
      continue;
    }
    const object = current.value as Record<string, unknown>;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      if (++entries > limits.entries) return tooWide(root, limits.entries);
      const path = join(current.path, key);
      if (key.includes('\u0000')) return nulIn(path);
      pending.push({ value: object[key], depth, path });
    }
  }
  return null;
}

const OPEN_OBJECT = 123; // {
const OPEN_ARRAY = 91; // [
const CLOSE_OBJECT = 125; // }
const CLOSE_ARRAY = 93; // ]
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The same depth and width bounds as {@link inputProblem}, found in the raw JSON text before it is
 * parsed — for what parsing alone would make expensive: `JSON.parse` of 90,000 keys builds a 90,000-key
 * object (and enumerating it lists them all), of 170,000 nested objects 170,000 objects, before any walk
 * can stop early. One pass over the structure that jumps over each string with `indexOf`, so a 1 MiB
 * string costs what finding its closing quote does. Answers only what is certain: more than `depth`
 * nested containers, or more separators than `entries` allows; malformed text is left to the parser.
 */
export function jsonTextProblem(text: string, root: string, limits = { depth: MAX_NESTING, entries: MAX_ENTRIES }): InputProblem | null {
  let depth = 0;
  let separators = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = closingQuote(text, at);
      if (at < 0) return null;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      // The walk refuses a container at depth `limits.depth` (the root is at 0): that many plus one.
      if (++depth > limits.depth) return tooDeep(root, limits.depth);
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth -= 1;
    } else if (code === COMMA && ++separators >= limits.entries) {
      // n separators mean at least n + 1 entries in containers.
      return tooWide(root, limits.entries);
    }
  }
  return null;
}

/** The index of the quote closing the string opened at `open`, or -1 when it never closes. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
}

function tooDeep(root: string, depth: number): InputProblem {
  return { summary: 'The request is nested too deeply', detail: { field: root, message: `nested more than ${depth} levels deep` } };
}

function tooWide(root: string, entries: number): InputProblem {
  return { summary: 'The request has too many fields', detail: { field: root, message: `more than ${entries} fields and array items` } };
}

function nulIn(field: string): InputProblem {
  return { summary: 'The request contains a NUL character', detail: { field, message: `${field} must not contain NUL characters (U+0000)` } };
}

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RangeNotSatisfiable } from '../common/errors/app.exception.js';
import type { ByteRange } from './storage/media-storage.js';

/** The request headers a download honours. */
export interface ContentConditions {
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** The `range`, `if-range` and `if-none-match` headers of a download request. */
export const Conditions = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ContentConditions => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return { range: header(request, 'range'), ifRange: header(request, 'if-range'), ifNoneMatch: header(request, 'if-none-match') };
  },
);

/** What is about to be served. */
export interface ServedContent {
  size: number;
  mimeType: string;
  /** Quoted, strong. */
  etag: string;
  /** `inline` for images; anything else is downloaded, never rendered by the browser on our origin. */
  disposition: 'inline' | 'attachment';
  filename: string;
}

export interface ContentAnswer {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  /** Which bytes to send; none for a 304. */
  bytes?: ByteRange;
}

/** Content is immutable per id, and readable only by some users: browsers may keep it, shared caches may not. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

type ParsedRange = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

/**
 * One `bytes=` range of RFC 9110: `a-b`, `a-` or `-n`. Anything else — another unit, several ranges,
 * a malformed one — is ignored and the whole content is served, as the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): ParsedRange {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'none' };
  const [, first, last] = match;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

/** `If-None-Match`: a list of entity tags or `*`, compared weakly. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return !header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** Decides 200, 206 or 304 and the headers; throws `RangeNotSatisfiable` for a range outside the content. */
export function answerFor(content: ServedContent, conditions: ContentConditions): ContentAnswer {
  const common: Record<string, string> = {
    etag: content.etag,
    'cache-control': CACHE_CONTROL,
    'accept-ranges': 'bytes',
  };
  if (!noneMatch(conditions.ifNoneMatch, content.etag)) return { status: 304, headers: common };
  const headers: Record<string, string> = {
    ...common,
    'content-type': content.mimeType,
    'content-disposition': `${content.disposition}; filename="${content.filename}"`,
    'x-content-type-options': 'nosniff',
    // Whatever the bytes are, a browser opening this URL directly runs nothing from our origin.
    'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
  };
  // A stale `If-Range` (another version than the client has part of) gets the whole content.
  const range = conditions.ifRange === undefined || conditions.ifRange.trim() === content.etag ? parseRange(conditions.range, content.size) : { kind: 'none' as const };
  if (range.kind === 'unsatisfiable') throw new RangeNotSatisfiable(content.size);
  if (range.kind === 'none') {
    return { status: 200, headers: { ...headers, 'content-length': String(content.size) }, bytes: { start: 0, end: content.size - 1 } };
  }
  return {
    status: 206,
    headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${content.size}` },
    bytes: { start: range.start, end: range.end },
  };
}

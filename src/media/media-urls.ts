import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Global, HttpStatus, Injectable, Module } from '@nestjs/common';
import type { SignedMediaGrant } from '../access/access.types.js';
import { AppException, NotFound } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import type { MediaDto } from './dto/media.dto.js';

export const MEDIA_PATH = '/api/v1/media';
export const EXPORTS_PATH = '/api/v1/exports';

export type MediaVariant = 'content' | 'thumbnail';
export const MEDIA_VARIANTS: readonly MediaVariant[] = ['content', 'thumbnail'];

/**
 * The access rule a signed URL was issued under, and that is checked again every time it is loaded
 * (`AccessService.mediaGrantHolds`):
 * - `viewer`: issued to one user (`GET /media/:id`, the upload's answer) — the full `media.read` rule for
 *   that user, who must still be active;
 * - `conversation`: an attachment as shown in one conversation's messages — a message of that
 *   conversation that is not deleted still carries it;
 * - `avatar`: an avatar — it is still the avatar of a user who is not banned.
 * A message is broadcast once to its conversation's room, so its URLs can't name each viewer; binding
 * them to the conversation keeps one payload, and one cached URL per image, for every member.
 */
export type MediaGrant = SignedMediaGrant;

/** What a signed URL's query carries. */
export interface SignedQuery {
  expires?: string;
  scope?: string;
  signature?: string;
}

/** A signed URL past its expiry, with a good signature. */
export class UrlExpired extends AppException {
  constructor(message = 'This media URL has expired: GET /api/v1/media/{id} (or reload what carried it) for a fresh one') {
    super(HttpStatus.FORBIDDEN, 'URL_EXPIRED', message);
  }
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** One of our media URLs, plain (bearer) or signed: its id and variant. */
const MEDIA_URL = new RegExp(`^${MEDIA_PATH}/(${UUID})/(?:signed/)?(content|thumbnail)(?:\\?.*)?$`, 'i');
const SCOPE = new RegExp(`^(?:a|u\\.${UUID}|c\\.${UUID})$`, 'i');

const scopeOf = (grant: MediaGrant): string =>
  grant.kind === 'avatar' ? 'a' : grant.kind === 'viewer' ? `u.${grant.userId}` : `c.${grant.conversationId}`;

function grantOf(scope: string): MediaGrant {
  if (scope === 'a') return { kind: 'avatar' };
  const id = scope.slice(2).toLowerCase();
  return scope.startsWith('u.') ? { kind: 'viewer', userId: id } : { kind: 'conversation', conversationId: id };
}

/** The plain (bearer) path of a variant: what payloads hold until they are signed for a reader. */
export const plainMediaPath = (mediaId: string, variant: MediaVariant) => `${MEDIA_PATH}/${mediaId}/${variant}`;

/**
 * Signed media URLs: `/api/v1/media/{id}/signed/{content|thumbnail}?expires=…&scope=…&signature=…`, which a
 * browser loads with no header (`<img src>`, `<video src>` with range requests).
 *
 * - The signature is an HMAC-SHA256 of the media id, the variant, the scope (`MediaGrant`) and the expiry,
 *   keyed by `MEDIA_URL_SECRET`, or when unset by a key derived from the JWT secret (HKDF, so the JWT
 *   secret itself never signs a URL): a change to any of them is a 404, as for an unknown upload.
 * - Expiry: `MEDIA_URL_TTL` (default 1 h). To be cache-friendly the expiry is rounded down to a step of a
 *   quarter of the TTL: every URL issued for the same media, variant and scope within one step is the same
 *   string, so `<img>` keeps its cached copy while lists are re-fetched and re-rendered; a URL is valid for
 *   between ¾ of the TTL and the whole TTL after it was issued.
 * - Payloads keep the plain paths (the event log stores them); they are signed when sent to a reader, so
 *   a replay from /sync carries fresh URLs too.
 */
@Injectable()
export class MediaUrls {
  private readonly key: Buffer;
  private readonly ttlSeconds: number;
  private readonly stepSeconds: number;

  constructor(@InjectConfig() config: AppConfig) {
    const secret = config.media.urlSecret ?? config.jwt.secret;
    if (!secret) throw new Error('no secret to sign media URLs with (JWT_SECRET or MEDIA_URL_SECRET)');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'chat-media-urls', 'media-url-signing/v1', 32));
    this.ttlSeconds = config.media.urlTtlSeconds;
    this.stepSeconds = Math.max(1, Math.floor(this.ttlSeconds / 4));
  }

  /** When a URL issued at `now` (ms) expires, in Unix seconds. */
  expiryAt(now: number): number {
    const seconds = Math.floor(now / 1000);
    return seconds - (seconds % this.stepSeconds) + this.ttlSeconds;
  }

  /** A signed URL for `variant` of `mediaId`, valid until `expires` (Unix seconds). */
  signed(mediaId: string, variant: MediaVariant, grant: MediaGrant, expires: number): string {
    const scope = scopeOf(grant);
    const signature = this.signature(mediaId, variant, scope, expires);
    return `${MEDIA_PATH}/${mediaId}/signed/${variant}?expires=${expires}&scope=${scope}&signature=${signature}`;
  }

  /** A fresh signed URL for one of our media URLs (plain or signed); anything else is returned as it is. */
  sign(url: string, grant: MediaGrant, now = Date.now()): string {
    const match = MEDIA_URL.exec(url);
    if (!match) return url;
    return this.signed(match[1].toLowerCase(), match[2].toLowerCase() as MediaVariant, grant, this.expiryAt(now));
  }

  signNullable(url: string | null, grant: MediaGrant, now = Date.now()): string | null {
    return url === null ? null : this.sign(url, grant, now);
  }

  /** `Media` with its `url` and `thumbnailUrl` signed. */
  media(media: MediaDto, grant: MediaGrant, now = Date.now()): MediaDto {
    return { ...media, url: this.sign(media.url, grant, now), thumbnailUrl: this.signNullable(media.thumbnailUrl, grant, now) };
  }

  /** A message's attachments (bound to its conversation) and its sender's avatar, signed. */
  message<T extends { conversationId: string; attachments: MediaDto[]; sender: { avatarUrl?: string | null } }>(message: T, now = Date.now()): T {
    const grant: MediaGrant = { kind: 'conversation', conversationId: message.conversationId };
    return {
      ...message,
      attachments: (message.attachments ?? []).map((media) => this.media(media, grant, now)),
      sender: { ...message.sender, avatarUrl: this.signNullable(message.sender.avatarUrl ?? null, { kind: 'avatar' }, now) },
    };
  }

  /** A profile's (or the caller's own) avatar, signed. */
  profile<T extends { avatar: MediaDto | null }>(profile: T, now = Date.now()): T {
    return { ...profile, avatar: profile.avatar && this.media(profile.avatar, { kind: 'avatar' }, now) };
  }

  /**
   * Checks a signed URL: the grant it was issued under, for `GET …/signed/:variant` to check against
   * access. 404 for a malformed or tampered one; 403 `URL_EXPIRED` for a good one past its expiry.
   */
  verify(mediaId: string, variant: string, query: SignedQuery, now = Date.now()): MediaGrant {
    const { expires, scope, signature } = query;
    if (!MEDIA_VARIANTS.includes(variant as MediaVariant) || !expires || !scope || !signature) throw new NotFound('Media');
    if (!/^\d{1,12}$/.test(expires) || !SCOPE.test(scope) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) throw new NotFound('Media');
    const expected = Buffer.from(this.signature(mediaId.toLowerCase(), variant as MediaVariant, scope.toLowerCase(), Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new NotFound('Media');
    if (Number(expires) * 1000 <= now) throw new UrlExpired();
    return grantOf(scope.toLowerCase());
  }

  /** How many seconds a URL expiring at `expires` has left at `now`. */
  secondsLeft(expires: string | undefined, now = Date.now()): number {
    return Math.max(0, Number(expires) - Math.floor(now / 1000));
  }

  /**
   * A signed URL for a user's data export archive (`GET /exports/{id}/signed`), bound to its owner and
   * signed as the media URLs are (a variant of its own, so neither kind of URL passes for the other).
   */
  exportUrl(exportId: string, userId: string, now = Date.now()): string {
    const expires = this.expiryAt(now);
    const scope = `u.${userId}`;
    return `${EXPORTS_PATH}/${exportId}/signed?expires=${expires}&scope=${scope}&signature=${this.signature(exportId, 'export', scope, expires)}`;
  }

  /** Checks an export URL: the user it was issued to. 404 for a malformed or tampered one, 403 `URL_EXPIRED` past its expiry. */
  verifyExport(exportId: string, query: SignedQuery, now = Date.now()): string {
    const { expires, scope, signature } = query;
    if (!expires || !scope || !signature || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) throw new NotFound('Export');
    if (!new RegExp(`^u\\.${UUID}$`, 'i').test(scope)) throw new NotFound('Export');
    const expected = Buffer.from(this.signature(exportId.toLowerCase(), 'export', scope.toLowerCase(), Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new NotFound('Export');
    if (Number(expires) * 1000 <= now) throw new UrlExpired('This export URL has expired: GET /api/v1/users/me/export/{id} for a fresh one');
    return scope.slice(2).toLowerCase();
  }

  private signature(mediaId: string, variant: MediaVariant | 'export', scope: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${mediaId}\n${variant}\n${scope}\n${expires}`).digest('base64url');
  }
}

/** `MediaUrls` for every module that sends media to readers (messages, users, conversations, sync, realtime). */
@Global()
@Module({ providers: [MediaUrls], exports: [MediaUrls] })
export class MediaUrlsModule {}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, UnsupportedMediaType, ValidationFailed } from '../common/errors/app.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { answerFor, type ContentConditions, type ServedContent } from './content-response.js';
import type { MediaDto } from './dto/media.dto.js';
import { withoutImageMetadata } from './image-metadata.js';
import { prepareImage, type PreparedImage } from './image-processing.js';
import { Media } from './media.entity.js';
import { toMediaDto } from './media.mappers.js';
import { MediaRepository } from './media.repository.js';
import { ALLOWED_TYPES_DESCRIPTION, type AllowedType, detectAllowedType, extensionOf, isImageType } from './media-types.js';
import { InsufficientStorage } from './media.errors.js';
import { MediaStorage, StorageFull } from './storage/media-storage.js';
import { type MediaGrant, MediaUrls, type MediaVariant, type SignedQuery } from './media-urls.js';
import { quotaExceeded, type ReceivedUpload } from './upload/media-upload.engine.js';

/** The most attachments one message may carry. */
export const MAX_ATTACHMENTS = 10;
const SWEEP_BATCH = 500;

export const thumbnailKey = (mediaId: string) => `${mediaId}.thumb`;

/** A download, ready for the controller to send: status, headers and, except for a 304, the bytes. */
export interface MediaDownload {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  body?: Readable;
}

/**
 * Owns uploads: accepting them (type decided from the bytes against the allow-list, images measured
 * and thumbnailed, the per-user quota), serving their bytes, and deleting the ones nothing uses. Who may
 * read, attach or make one an avatar is src/access (`media.read`, `media.attach`, `avatar.set`);
 * messages and profiles show uploads through `mediaByIds`.
 */
@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);

  constructor(
    private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
    private readonly access: AccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly urls: MediaUrls,
  ) {}

  /**
   * Turns stored bytes into an upload, or removes them: nothing is kept of a refused file. The bytes
   * arrive already stored (and size-checked) by the multipart engine.
   */
  async upload(caller: AuthUser, received: ReceivedUpload | undefined): Promise<MediaDto> {
    if (!received) {
      throw new ValidationFailed([{ field: 'file', message: 'send one file, as multipart/form-data, in the field "file"' }], 'The request carries no file');
    }
    try {
      const type = await detectAllowedType(received.size, (start, end) => this.storage.read(received.key, { start, end }));
      if (!type) throw new UnsupportedMediaType(`Accepted: ${ALLOWED_TYPES_DESCRIPTION}. The type is decided from the file's content, not its name or declared type`);
      const yours: MediaGrant = { kind: 'viewer', userId: caller.id };
      if (!type.image) return this.urls.media(toMediaDto(await this.record(caller.id, received, type, null)), yours);
      const original = await buffer(await this.storage.read(received.key));
      const image = await prepareImage(original);
      const stored = await this.storeWithoutMetadata(received, original, type.mimeType, image.orientation);
      await this.storage.write(thumbnailKey(received.key), Readable.from([image.thumbnail]), image.thumbnail.length);
      return this.urls.media(toMediaDto(await this.record(caller.id, stored, type, image)), yours);
    } catch (error) {
      await this.removeFiles(received.key, true);
      throw error instanceof StorageFull ? new InsufficientStorage() : error;
    }
  }

  /** The upload, with fresh signed URLs bound to the caller (see `MediaUrls`). */
  async describe(caller: AuthUser, mediaId: string): Promise<MediaDto> {
    return this.urls.media(toMediaDto(await this.readable(caller, mediaId)), { kind: 'viewer', userId: caller.id });
  }

  async content(caller: AuthUser, mediaId: string, conditions: ContentConditions): Promise<MediaDownload> {
    return this.contentOf(await this.readable(caller, mediaId), conditions);
  }

  async thumbnail(caller: AuthUser, mediaId: string, conditions: ContentConditions): Promise<MediaDownload> {
    return this.thumbnailOf(await this.readable(caller, mediaId), conditions);
  }

  /**
   * A download through a signed URL, with no caller: the signature and expiry first (404 / 403
   * `URL_EXPIRED`), then the rule the URL was issued under, checked now (src/access), then the bytes as
   * the bearer routes serve them — except that browsers may keep them only until the URL expires.
   */
  async signed(mediaId: string, variant: string, query: SignedQuery, conditions: ContentConditions, now = Date.now()): Promise<MediaDownload> {
    const grant = this.urls.verify(mediaId, variant, query, now);
    await this.access.requireMediaGrant(mediaId, grant);
    const [media] = await this.repository.findByIds([mediaId]);
    if (!media) throw new NotFound('Media');
    const download = (variant as MediaVariant) === 'thumbnail' ? await this.thumbnailOf(media, conditions) : await this.contentOf(media, conditions);
    download.headers['cache-control'] = `private, max-age=${this.urls.secondsLeft(query.expires, now)}`;
    return download;
  }

  private async contentOf(media: Media, conditions: ContentConditions): Promise<MediaDownload> {
    const image = isImageType(media.mimeType);
    return this.serve(media.id, conditions, {
      size: media.size,
      mimeType: media.mimeType,
      etag: `"${media.sha256}"`,
      disposition: image ? 'inline' : 'attachment',
      filename: `${media.id}.${extensionOf(media.mimeType)}`,
    });
  }

  private async thumbnailOf(media: Media, conditions: ContentConditions): Promise<MediaDownload> {
    const stored = media.hasThumbnail ? await this.storage.stat(thumbnailKey(media.id)) : null;
    if (!stored) throw new NotFound('Thumbnail');
    return this.serve(thumbnailKey(media.id), conditions, {
      size: stored.size,
      mimeType: 'image/webp',
      etag: `"${media.sha256}-thumbnail"`,
      disposition: 'inline',
      filename: `${media.id}-thumbnail.webp`,
    });
  }

  /** The `Media` of each of `ids` that exists, by id: for showing attachments and avatars. */
  async mediaByIds(ids: string[], manager?: EntityManager): Promise<Map<string, MediaDto>> {
    const found = await this.repository.findByIds([...new Set(ids)], manager);
    return new Map(found.map((media) => [media.id, toMediaDto(media)]));
  }

  /**
   * Deletes uploads older than `MEDIA_ORPHAN_TTL` that no message carries and that are nobody's
   * avatar: rows first, so nothing can be served without its file, then their files. Returns how many.
   */
  async sweepOrphans(now = new Date()): Promise<number> {
    const createdBefore = new Date(now.getTime() - this.config.media.orphanTtlSeconds * 1000);
    let swept = 0;
    for (;;) {
      const batch = await this.repository.deleteOrphans(createdBefore, SWEEP_BATCH);
      for (const media of batch) await this.removeFiles(media.id, media.hasThumbnail);
      swept += batch.length;
      if (batch.length < SWEEP_BATCH) return swept;
    }
  }

  /** Deletes the row of an upload the caller's transaction detached from every message (`media.delete` locked it). */
  /** Those of `ids` not deleted, share-locked against deletion until the caller's transaction ends. */
  lockExisting(manager: EntityManager, ids: string[]): Promise<Set<string>> {
    return this.repository.lockExisting(manager, ids);
  }

  deleteWithin(manager: EntityManager, mediaId: string): Promise<void> {
    return this.repository.deleteOne(manager, mediaId);
  }

  /** After the deletion committed: its bytes and thumbnail leave storage (a failure is logged, never thrown). */
  removeStoredFiles(mediaId: string, withThumbnail: boolean): Promise<void> {
    return this.removeFiles(mediaId, withThumbnail);
  }

  private async readable(caller: AuthUser, mediaId: string): Promise<Media> {
    await this.access.require(caller, Permission.MediaRead, { mediaId });
    const [media] = await this.repository.findByIds([mediaId]);
    if (!media) throw new NotFound('Media');
    return media;
  }

  private async serve(key: string, conditions: ContentConditions, content: ServedContent): Promise<MediaDownload> {
    const answer = answerFor(content, conditions);
    return { status: answer.status, headers: answer.headers, body: answer.bytes && (await this.storage.read(key, answer.bytes)) };
  }

  /**
   * An image is kept without its metadata (GPS position, owner, camera: see `withoutImageMetadata`), so
   * what is stored — and what `size`, `sha256` and the ETag describe — is the cleaned file, not the
   * client's. Its pixels are the uploaded ones, byte for byte.
   */
  private async storeWithoutMetadata(received: ReceivedUpload, original: Buffer, mimeType: string, orientation: number | undefined): Promise<ReceivedUpload> {
    const cleaned = withoutImageMetadata(original, mimeType, orientation);
    if (cleaned === original) return received;
    const { size } = await this.storage.write(received.key, Readable.from([cleaned]), cleaned.length);
    return { key: received.key, size, sha256: createHash('sha256').update(cleaned).digest('hex') };
  }

  /** Quota checked again under a per-user lock, so concurrent uploads can't overrun it together. */
  private record(uploaderId: string, received: ReceivedUpload, type: AllowedType, image: PreparedImage | null): Promise<Media> {
    const quota = this.config.media.userQuotaBytes;
    return this.dataSource.transaction(async (manager) => {
      await this.repository.lockUploader(manager, uploaderId);
      if ((await this.repository.usedBytes(uploaderId, manager)) + received.size > quota) throw quotaExceeded(quota);
      const media = manager.create(Media, {
        id: received.key,
        uploaderId,
        mimeType: type.mimeType,
        size: received.size,
        sha256: received.sha256,
        width: image?.width ?? null,
        height: image?.height ?? null,
        hasThumbnail: image !== null,
      });
      await manager.insert(Media, media);
      return media;
    });
  }

  /** Never fails: a file that can't be removed now is logged, and the caller's own outcome stands. */
  private async removeFiles(mediaId: string, withThumbnail: boolean) {
    const keys = withThumbnail ? [mediaId, thumbnailKey(mediaId)] : [mediaId];
    for (const key of keys) {
      await this.storage.delete(key).catch((error: unknown) => this.logger.error({ err: error, key }, 'could not delete a media file'));
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MediaRepository, type SweptMedia } from './media.repository.js';
import { thumbnailKey } from './media.service.js';
import { MediaStorage } from './storage/media-storage.js';

/**
 * Removing uploads that nothing references any more, for work that deletes what referenced them
 * (retention deleting messages): the rows go in the caller's transaction, the bytes after it commits.
 * Bytes are removed only after the commit, so a rollback never leaves a row without its file; a crash
 * between the two leaves a file without a row, which nothing serves.
 */
@Injectable()
export class UnreferencedMedia {
  private readonly logger = new Logger(UnreferencedMedia.name);

  constructor(
    private readonly repository: MediaRepository,
    private readonly storage: MediaStorage,
  ) {}

  /** Deletes the rows of those of `mediaIds` that no message carries and that are nobody's avatar. */
  deleteWithin(manager: EntityManager, mediaIds: string[]): Promise<SweptMedia[]> {
    return this.repository.deleteUnreferenced(manager, mediaIds);
  }

  /** After commit: the files (and thumbnails) of uploads `deleteWithin` removed. Failures are logged, never thrown. */
  async removeFiles(removed: SweptMedia[]): Promise<void> {
    for (const media of removed) {
      for (const key of media.hasThumbnail ? [media.id, thumbnailKey(media.id)] : [media.id]) {
        await this.storage.delete(key).catch((error: unknown) => this.logger.error({ err: error, key }, 'could not delete a media file'));
      }
    }
  }
}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Media } from './media.entity.js';
import { MediaRepository } from './media.repository.js';
import { LocalDiskStorage } from './storage/local-disk.storage.js';
import { MediaStorage } from './storage/media-storage.js';
import { UnreferencedMedia } from './unreferenced-media.js';
import { MediaUploadEngine } from './upload/media-upload.engine.js';

/**
 * The media rows and their bytes: the storage driver, the repository, and the multipart engine that
 * streams uploads into storage. Its own module so that `MultipartModule` can be configured with the
 * engine. The storage driver is chosen here: an S3-compatible one would be another `MediaStorage`
 * provider, picked by configuration.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Media])],
  providers: [{ provide: MediaStorage, useClass: LocalDiskStorage }, MediaRepository, MediaUploadEngine, UnreferencedMedia],
  exports: [MediaStorage, MediaRepository, MediaUploadEngine, UnreferencedMedia],
})
export class MediaStorageModule {}

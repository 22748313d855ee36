import { Module } from '@nestjs/common';
import { MultipartModule } from '@nestjs/platform-fastify/multipart';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MediaController, SignedMediaController } from './media.controller.js';
import { MediaOrphanSweep } from './media-orphan-sweep.js';
import { MediaService } from './media.service.js';
import { MediaStorageModule } from './media-storage.module.js';
import { MediaUploadEngine } from './upload/media-upload.engine.js';

/**
 * Uploads: `POST /media` and the downloads, access to them, and the orphan sweep. Exports
 * `MediaService` for messages (attachments) and users (avatars).
 */
@Module({
  imports: [
    MediaStorageModule,
    MultipartModule.registerAsync({
      imports: [MediaStorageModule],
      inject: [MediaUploadEngine, APP_CONFIG],
      useFactory: (engine: MediaUploadEngine, config: AppConfig) => ({
        storage: engine,
        limits: {
          // The engine enforces MEDIA_MAX_BYTES itself, with a clear message; the parser's own limit
          // (1 MiB by default) only has to be above it.
          fileSize: config.media.maxBytes + 1,
          files: 1,
          fields: 0,
          parts: 1,
        },
      }),
    }),
  ],
  controllers: [MediaController, SignedMediaController],
  providers: [MediaService, MediaOrphanSweep],
  exports: [MediaService],
})
export class MediaModule {}

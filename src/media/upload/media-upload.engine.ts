import { createHash, randomUUID } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { IncomingMultipartFile, MultipartStorageEngine, UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { PayloadTooLarge } from '../../common/errors/app.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/config.module.js';
import { MediaRepository } from '../media.repository.js';
import { InsufficientStorage } from '../media.errors.js';
import { MediaStorage, StorageFull, StorageLimitExceeded } from '../storage/media-storage.js';

/** An upload's bytes, stored under `key` (the future media id), not yet checked or recorded. */
export interface ReceivedUpload {
  key: string;
  size: number;
  sha256: string;
}

/** The file the route handler gets: the form's metadata (ignored) plus what was stored. */
export type ReceivedFile = UploadedMultipartFile & ReceivedUpload;

/** Hashes what flows through. */
class Sha256 extends Transform {
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

/**
 * The multipart storage engine behind `POST /media`: streams the `file` part straight into
 * `MediaStorage` under a fresh server-made key while hashing it, never holding the file in memory. The
 * limit is `MEDIA_MAX_BYTES` or what is left of the uploader's quota, whichever is smaller, and it is
 * enforced while the bytes arrive: past it, the write is abandoned, nothing is kept, and the answer is 413.
 */
@Injectable()
export class MediaUploadEngine implements MultipartStorageEngine {
  constructor(
    private readonly storage: MediaStorage,
    private readonly repository: MediaRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  _handleFile(request: FastifyRequest & { user: AuthUser }, file: IncomingMultipartFile, callback: (error?: unknown, info?: Partial<UploadedMultipartFile>) => void) {
    this.receive(request.user.id, file.stream).then(
      (upload) => callback(null, upload as Partial<UploadedMultipartFile>),
      (error: unknown) => callback(error),
    );
  }

  _removeFile(_request: unknown, file: UploadedMultipartFile, callback: (error: Error | null) => void) {
    const { key } = file as ReceivedFile;
    this.storage.delete(key).then(() => callback(null), callback);
  }

  private async receive(uploaderId: string, part: Readable): Promise<ReceivedUpload> {
    const { maxBytes, userQuotaBytes } = this.config.media;
    const quotaLeft = userQuotaBytes - (await this.repository.usedBytes(uploaderId));
    if (quotaLeft <= 0) throw quotaExceeded(userQuotaBytes);
    const limitBytes = Math.min(maxBytes, quotaLeft);
    const key = randomUUID();
    const hashed = this.hashing(part);
    try {
      const { size } = await this.storage.write(key, hashed, limitBytes);
      return { key, size, sha256: hashed.digest() };
    } catch (error) {
      // The rest of this part is read and dropped, so the parser can finish the form and answer.
      part.unpipe(hashed);
      part.resume();
      if (error instanceof StorageFull) throw new InsufficientStorage();
      if (!(error instanceof StorageLimitExceeded)) throw error;
      throw limitBytes < maxBytes ? quotaExceeded(userQuotaBytes) : new PayloadTooLarge(`The file is larger than the limit of ${mebibytes(maxBytes)} (${maxBytes} bytes)`);
    }
  }

  /**
   * The part piped through a hash. The part itself is never destroyed (the multipart parser owns it);
   * its failure or premature end (the client went away, the body is malformed) fails the write.
   */
  private hashing(part: Readable): Sha256 {
    const hashed = new Sha256();
    part.once('error', (error) => hashed.destroy(error));
    part.once('close', () => {
      if (!part.readableEnded) hashed.destroy(new Error('the upload ended before the file did'));
    });
    return part.pipe(hashed);
  }
}

export function quotaExceeded(quotaBytes: number): PayloadTooLarge {
  return new PayloadTooLarge(`This upload would exceed your storage quota of ${mebibytes(quotaBytes)}`);
}

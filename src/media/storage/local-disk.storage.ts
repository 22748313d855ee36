import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/config.module.js';
import {
  assertStorageKey,
  type ByteRange,
  MediaStorage,
  type StorageCapacity,
  StorageFull,
  StorageLimitExceeded,
  StorageObjectNotFound,
  type StoredObjectInfo,
} from './media-storage.js';

const TEMPORARY_FILE = /^\..+\.tmp$/;
/** A temporary file this old belongs to no upload still running, on this instance or another. */
const STALE_TEMPORARY_FILE_MS = 60 * 60 * 1000;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** No space left on the device, or over the volume's quota. */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Passes bytes through and fails as soon as more than `limitBytes` went by. */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly limitBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.seen += chunk.length;
    if (this.seen > this.limitBytes) return callback(new StorageLimitExceeded(this.limitBytes));
    callback(null, chunk);
  }
}

/**
 * Files on a local (or mounted) disk under `MEDIA_DIR`, in 256 subdirectories by the first two
 * characters of the key. A write goes to a hidden temporary file in the same directory and is renamed
 * into place once complete and flushed, so a crash mid-upload never leaves a partial file under a real
 * name; stale temporary files are removed at start.
 */
@Injectable()
export class LocalDiskStorage extends MediaStorage implements OnModuleInit {
  private readonly logger = new Logger(LocalDiskStorage.name);
  private readonly root: string;

  constructor(@InjectConfig() config: AppConfig) {
    super();
    this.root = resolve(config.media.dir);
  }

  async onModuleInit() {
    await mkdir(this.root, { recursive: true });
    await this.removeStaleTemporaryFiles();
  }

  async write(key: string, content: Readable, limitBytes: number): Promise<StoredObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = join(dirname(path), `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipeline(content, new ByteLimit(limitBytes), createWriteStream(temporary, { flags: 'wx', mode: 0o640, flush: true }));
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch((unlinkError: unknown) => {
        if (!isMissing(unlinkError)) this.logger.error({ err: unlinkError, path: temporary }, 'could not remove a temporary upload file');
      });
      throw isOutOfSpace(error) ? new StorageFull(error) : error;
    }
    return { size: (await stat(path)).size };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const file = await open(this.pathOf(key), 'r');
      return file.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if (isMissing(error)) throw new StorageObjectNotFound(key);
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      return { size: (await stat(this.pathOf(key))).size };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** The free space of the file system under `MEDIA_DIR`, which must be there and writable. */
  async capacity(): Promise<StorageCapacity> {
    await access(this.root, constants.W_OK);
    const { bavail, bsize } = await statfs(this.root);
    return { freeBytes: bavail * bsize };
  }

  /** Only a key the server could have made ever becomes a path: no traversal, no user-chosen names. */
  private pathOf(key: string): string {
    assertStorageKey(key);
    return join(this.root, key.slice(0, 2), key);
  }

  private async removeStaleTemporaryFiles() {
    const cutoff = Date.now() - STALE_TEMPORARY_FILE_MS;
    for (const shard of await readdir(this.root, { withFileTypes: true })) {
      if (!shard.isDirectory()) continue;
      const directory = join(this.root, shard.name);
      for (const name of await readdir(directory)) {
        if (!TEMPORARY_FILE.test(name)) continue;
        const path = join(directory, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtimeMs < cutoff) await unlink(path).catch(() => undefined);
      }
    }
  }
}

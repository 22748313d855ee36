import type { Readable } from 'node:stream';

/** Bytes `start` to `end` of an object, both inclusive (as in HTTP's `Range`). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObjectInfo {
  size: number;
}

/** The content was longer than the limit given to `write`; nothing was kept. */
export class StorageLimitExceeded extends Error {
  constructor(readonly limitBytes: number) {
    super(`content exceeds ${limitBytes} bytes`);
  }
}

/** The storage has no room for the content (a full disk, a quota of the volume); nothing was kept. */
export class StorageFull extends Error {
  constructor(cause: unknown) {
    super('the media storage is full', { cause });
  }
}

/** How much room the storage has left; null for storage without such a limit (a bucket). */
export interface StorageCapacity {
  freeBytes: number;
}

/** No object under this key. */
export class StorageObjectNotFound extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
  }
}

/** A key that is not one the server could have made: refused before it reaches any path or URL. */
export class InvalidStorageKey extends Error {
  constructor(readonly key: string) {
    super('invalid storage key');
  }
}

/**
 * Keys are made by the server only: a media id (UUID), optionally with a lower-case variant suffix
 * (`<id>.thumb`). Nothing a client sends ever becomes part of a key, and every driver checks this
 * before touching a path or a bucket.
 */
export const STORAGE_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\.[a-z]{1,16})?$/;

export function assertStorageKey(key: string): void {
  if (!STORAGE_KEY.test(key)) throw new InvalidStorageKey(key);
}

/**
 * Where uploaded bytes live. The media service only ever talks to this class, so another backend (an
 * S3-compatible bucket) is one more subclass chosen in `MediaStorageModule`, with no change elsewhere.
 *
 * A driver must make a write all-or-nothing: a crash or an error mid-write leaves nothing readable under
 * the key (local disk: temporary file + rename; S3: a single PUT or a multipart upload that is aborted).
 */
export abstract class MediaStorage {
  /**
   * Streams `content` under `key`. Rejects with `StorageLimitExceeded` as soon as more than
   * `limitBytes` arrive, and with `StorageFull` when there is no room, keeping nothing; an error of
   * `content` rejects the same way.
   */
  abstract write(key: string, content: Readable, limitBytes: number): Promise<StoredObjectInfo>;

  /** The object's bytes, or the bytes of `range`. Rejects with `StorageObjectNotFound`. */
  abstract read(key: string, range?: ByteRange): Promise<Readable>;

  /** Null when there is no such object. */
  abstract stat(key: string): Promise<StoredObjectInfo | null>;

  /** Idempotent: deleting a missing object is not an error. */
  abstract delete(key: string): Promise<void>;

  /** Room left, for readiness; rejects when the storage can't be reached at all. */
  abstract capacity(): Promise<StorageCapacity | null>;
}

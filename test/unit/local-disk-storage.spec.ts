import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { loadConfig } from '../../src/config/app-config.js';
import { LocalDiskStorage } from '../../src/media/storage/local-disk.storage.js';
import { InvalidStorageKey, StorageFull, StorageLimitExceeded, StorageObjectNotFound } from '../../src/media/storage/media-storage.js';
import { mountTinyDisk } from '../support/tiny-disk.js';

/** Every file under `dir`, relative to it. */
const filesIn = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();

describe('LocalDiskStorage', () => {
  let root: string;
  let storage: LocalDiskStorage;

  beforeEach(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'chat-storage-')), 'media');
    storage = new LocalDiskStorage(loadConfig({ NODE_ENV: 'test', MEDIA_DIR: root }));
    await storage.onModuleInit();
  });

  afterEach(() => {
    rmSync(join(root, '..'), { recursive: true, force: true });
  });

  it('creates its directory at start', () => {
    expect(readdirSync(root)).toEqual([]);
  });

  it('writes, stats, reads whole or a range, and deletes idempotently', async () => {
    const key = randomUUID();
    expect(await storage.write(key, Readable.from([Buffer.from('hello '), Buffer.from('world')]), 100)).toEqual({ size: 11 });
    expect(filesIn(root)).toEqual([join(key.slice(0, 2), key)]);
    expect(await storage.stat(key)).toEqual({ size: 11 });
    expect((await buffer(await storage.read(key))).toString()).toBe('hello world');
    expect((await buffer(await storage.read(key, { start: 6, end: 10 }))).toString()).toBe('world');
    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.stat(key)).toBeNull();
    await expect(storage.read(key)).rejects.toBeInstanceOf(StorageObjectNotFound);
  });

  it('refuses content over the limit and leaves no file, not even a temporary one', async () => {
    const key = randomUUID();
    await expect(storage.write(key, Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), 100)).rejects.toBeInstanceOf(StorageLimitExceeded);
    expect(filesIn(root)).toEqual([]);
    expect(await storage.stat(key)).toBeNull();
  });

  it('keeps nothing under the real name while a write is in progress, nor after it fails', async () => {
    const key = randomUUID();
    const incoming = new PassThrough();
    const writing = storage.write(key, incoming, 1000);
    incoming.write(Buffer.alloc(10));
    // The temporary file appears once the stream has opened it: wait for that (bounded), not a fixed time.
    for (let tries = 0; tries < 250 && filesIn(root).length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await storage.stat(key)).toBeNull();
    expect(filesIn(root)).toEqual([expect.stringMatching(new RegExp(`^${key.slice(0, 2)}/\\.${key}\\.[0-9a-f]+\\.tmp$`))]);
    incoming.destroy(new Error('client went away'));
    await expect(writing).rejects.toThrow('client went away');
    expect(filesIn(root)).toEqual([]);
  });

  it.each([
    '../etc/passwd',
    '../../x',
    'a/b',
    `${randomUUID()}/../x`,
    '',
    'NOT-A-UUID',
    `${randomUUID().toUpperCase()}`,
    `${randomUUID()}.THUMB`,
    `${randomUUID()}.`,
  ])('refuses the key %j before touching the disk', async (key) => {
    await expect(storage.write(key, Readable.from([Buffer.from('x')]), 10)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.read(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.stat(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    expect(filesIn(root)).toEqual([]);
  });

  it('accepts a variant key next to its original', async () => {
    const key = `${randomUUID()}.thumb`;
    await storage.write(key, Readable.from([Buffer.from('t')]), 10);
    expect(readFileSync(join(root, key.slice(0, 2), key), 'utf8')).toBe('t');
  });

  it('removes stale temporary files at start, and only those', async () => {
    const shard = join(root, 'ab');
    mkdirSync(shard);
    const stale = join(shard, `.${randomUUID()}.0a0a.tmp`);
    const fresh = join(shard, `.${randomUUID()}.0b0b.tmp`);
    const kept = join(shard, randomUUID());
    for (const path of [stale, fresh, kept]) writeFileSync(path, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    utimesSync(kept, twoHoursAgo, twoHoursAgo);
    await new LocalDiskStorage(loadConfig({ NODE_ENV: 'test', MEDIA_DIR: root })).onModuleInit();
    expect(readdirSync(shard).sort()).toEqual([fresh, kept].map((path) => path.slice(shard.length + 1)).sort());
  });

  it('reports the free space of its file system', async () => {
    const capacity = await storage.capacity();
    expect(capacity.freeBytes).toBeGreaterThan(0);
  });

  it('refuses capacity when its directory is gone', async () => {
    rmSync(root, { recursive: true, force: true });
    await expect(storage.capacity()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

const tinyDisk = mountTinyDisk('1m');
(tinyDisk ? describe : describe.skip)('LocalDiskStorage on a full disk (a 1 MiB tmpfs; skipped where tmpfs cannot be mounted)', () => {
  afterAll(() => tinyDisk?.remove());

  it('rejects a write that does not fit with StorageFull, and keeps nothing, not even a temporary file', async () => {
    const storage = new LocalDiskStorage(loadConfig({ NODE_ENV: 'test', MEDIA_DIR: tinyDisk!.path }));
    await storage.onModuleInit();
    const key = randomUUID();
    const twoMegabytes = Readable.from(Array.from({ length: 32 }, () => Buffer.alloc(64 * 1024, 7)));
    await expect(storage.write(key, twoMegabytes, 10 * 1024 * 1024)).rejects.toBeInstanceOf(StorageFull);
    expect(filesIn(tinyDisk!.path)).toEqual([]);
    expect(await storage.stat(key)).toBeNull();
    // It still writes what fits.
    expect(await storage.write(randomUUID(), Readable.from([Buffer.from('small')]), 100)).toEqual({ size: 5 });
  });
});

import { builders, type Given } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { mountTinyDisk } from '../support/tiny-disk.js';

const MiB = 1024 * 1024;
const disk = mountTinyDisk('4m');

/** A PDF of about `bytes` bytes (padding after the document). */
const pdfOf = (bytes: number) => Buffer.concat([pdf(), Buffer.alloc(bytes, 0x20)]);

/*
 * MEDIA_DIR on a 4 MiB tmpfs, with uploads of up to 3 MiB allowed: the second large upload meets a full
 * disk. Skipped (saying so) where this process may not mount a tmpfs; the storage driver's own test of a
 * full disk (local-disk-storage.spec) is skipped there too.
 */
(disk ? describe : describe.skip)('media on a full disk (a 4 MiB tmpfs)', () => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: disk!.path, MEDIA_MAX_BYTES: String(3 * MiB) });
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
    disk!.remove();
  });

  const ready = () => running.app.inject({ method: 'GET', url: '/health/ready' });

  it('answers 507 INSUFFICIENT_STORAGE, keeps nothing, reports the disk as low, and takes what still fits', async () => {
    const media = mediaClient(running);
    const ada = await given.user();
    expect((await ready()).json().checks.media).toBe('up');
    const first = await media.upload(ada, pdfOf(2 * MiB), 'first.pdf');
    expect(first.statusCode).toBe(201);
    const kept = filesIn(disk!.path);

    const refused = await media.upload(ada, pdfOf(2.5 * MiB), 'second.pdf');
    expect(refused.statusCode).toBe(507);
    expect(refused.json()).toMatchObject({ statusCode: 507, code: 'INSUFFICIENT_STORAGE', requestId: expect.any(String) });
    expect(filesIn(disk!.path)).toEqual(kept);
    expect(await media.rowsOf(ada)).toBe(1);

    // Less room than one largest upload: reported, but the instance stays ready (chat needs no disk).
    const readiness = await ready();
    expect(readiness.statusCode).toBe(200);
    expect(readiness.json().checks).toMatchObject({ database: 'up', media: 'low' });

    expect((await media.upload(ada, pdfOf(100 * 1024), 'small.pdf')).statusCode).toBe(201);
  });
});

describe('media storage that cannot be reached', () => {
  it('makes readiness 503 naming media', async () => {
    const dir = temporaryMediaDir();
    const running = await startTestApp({ MEDIA_DIR: dir.path });
    try {
      expect((await running.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      dir.remove();
      const response = await running.app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: [{ field: 'media', message: expect.stringContaining('ENOENT') }] });
      expect((await running.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await running.close();
    }
  });
});

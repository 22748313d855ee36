import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX_BYTES = 2048;
const QUOTA_BYTES = 5000;

/** A valid PDF of exactly `size` bytes. */
const pdfOf = (size: number) => Buffer.concat([pdf(), Buffer.alloc(size - pdf().length, 0x20)]);

describe('media: size limit and quota', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let media: ReturnType<typeof mediaClient>;

  beforeAll(async () => {
    running = await startTestApp(
      { MEDIA_DIR: mediaDir.path, MEDIA_MAX_BYTES: String(MAX_BYTES), MEDIA_USER_QUOTA_BYTES: String(QUOTA_BYTES) },
      { listen: true },
    );
    given = builders(running);
    media = mediaClient(running);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  async function expectNothingKept(user: GivenUser, filesBefore: string[]) {
    expect(await media.rowsOf(user)).toBe(0);
    // No file under a real name and no temporary file either.
    expect(filesIn(mediaDir.path)).toEqual(filesBefore);
  }

  it('accepts a file of exactly MEDIA_MAX_BYTES', async () => {
    const ada = await given.user();
    const response = await media.upload(ada, pdfOf(MAX_BYTES));
    expect(response.statusCode).toBe(201);
    expect(response.json().size).toBe(MAX_BYTES);
  });

  it('answers 413 to one byte more and keeps nothing', async () => {
    const ada = await given.user();
    const before = filesIn(mediaDir.path);
    const response = await media.upload(ada, pdfOf(MAX_BYTES + 1));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(`${MAX_BYTES} bytes`) });
    await expectNothingKept(ada, before);
  });

  it('answers 413 to a large upload sent over a real connection, and keeps nothing', async () => {
    const ada = await given.user();
    const before = filesIn(mediaDir.path);
    const form = new FormData();
    form.append('file', new Blob([pdfOf(8 * 1024 * 1024)], { type: 'application/pdf' }), 'big.pdf');
    const response = await fetch(`${running.url}/api/v1/media`, { method: 'POST', headers: ada.auth, body: form });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expectNothingKept(ada, before);
  });

  it("refuses what would go over the uploader's quota with 413, and counts only what is kept", async () => {
    const ada = await given.user();
    expect((await media.upload(ada, pdfOf(2000))).statusCode).toBe(201);
    expect((await media.upload(ada, pdfOf(2000))).statusCode).toBe(201);
    const before = filesIn(mediaDir.path);
    const over = await media.upload(ada, pdfOf(1001));
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('quota') });
    expect(filesIn(mediaDir.path)).toEqual(before);
    expect(await media.rowsOf(ada)).toBe(2);
    // Exactly up to the quota is fine; after that, even the smallest file is refused at once.
    expect((await media.upload(ada, pdfOf(1000))).statusCode).toBe(201);
    const full = await media.upload(ada, pdfOf(200));
    expect(full.statusCode).toBe(413);
    expect(full.json().message).toContain('quota');
    // Other users have their own quota.
    const bob = await given.user();
    expect((await media.upload(bob, pdfOf(2000))).statusCode).toBe(201);
  });

  it('keeps concurrent uploads of one user within the quota together', async () => {
    const ada = await given.user();
    const answers = await Promise.all([1, 2, 3].map(() => media.upload(ada, pdfOf(2000))));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 201, 413]);
    expect(await media.rowsOf(ada)).toBe(2);
  });
});

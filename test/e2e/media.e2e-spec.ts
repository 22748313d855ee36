import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { MediaService } from '../../src/media/media.service.js';
import { builders, type Given } from '../support/given.js';
import { filesIn, type MediaBody, mediaClient, temporaryMediaDir, asBearer, bearerPath } from '../support/media.js';
import { image, mp3, mp4, oggOpus, oggVorbis, pdf, pixelBombGif, pixelBombPng, refused, webm } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const GPS_AND_OWNER = { IFD0: { Artist: 'Ada', Copyright: 'secret' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } };

describe('media: uploads, downloads and access', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let media: ReturnType<typeof mediaClient>;

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path });
    given = builders(running);
    media = mediaClient(running);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  describe('accepts every allowed kind, judged by its bytes, and serves it back', () => {
    it.each([
      ['JPEG', image.jpeg, 'image/jpeg', 'jpg'],
      ['PNG', image.png, 'image/png', 'png'],
      ['GIF', image.gif, 'image/gif', 'gif'],
      ['WebP', image.webp, 'image/webp', 'webp'],
    ])('%s: measured, thumbnailed, served inline', async (_kind, make, mimeType, extension) => {
      const ada = await given.user();
      const bytes = await make(64, 48);
      // The name and declared type lie on purpose: only the bytes count.
      const response = await media.upload(ada, bytes, 'notes.txt', 'text/plain');
      expect(response.statusCode).toBe(201);
      const body = response.json() as MediaBody;
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        mimeType,
        size: bytes.length,
        sha256: sha256(bytes),
        width: 64,
        height: 48,
        url: expect.stringMatching(new RegExp(`^/api/v1/media/${body.id}/signed/content\\?expires=\\d+&scope=u\\.${ada.id}&signature=`)),
        thumbnailUrl: expect.stringMatching(new RegExp(`^/api/v1/media/${body.id}/signed/thumbnail\\?`)),
      });

      const content = await media.get(ada, bearerPath(body.url));
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(bytes)).toBe(true);
      expect(content.headers).toMatchObject({
        'content-type': mimeType,
        'content-length': String(bytes.length),
        etag: `"${sha256(bytes)}"`,
        'x-content-type-options': 'nosniff',
        'content-disposition': `inline; filename="${body.id}.${extension}"`,
        'accept-ranges': 'bytes',
        'cache-control': expect.stringMatching(/^private\b/),
      });
      expect(asBearer((await media.get(ada, `/api/v1/media/${body.id}`)).json())).toEqual(asBearer(body));
    });

    it.each([
      ['PDF', pdf, 'application/pdf', 'pdf'],
      ['MP4', mp4, 'video/mp4', 'mp4'],
      ['WebM', webm, 'video/webm', 'webm'],
      ['MP3', mp3, 'audio/mpeg', 'mp3'],
      ['OGG Opus', oggOpus, 'audio/ogg', 'ogg'],
      ['OGG Vorbis', oggVorbis, 'audio/ogg', 'ogg'],
    ])('%s: served as an attachment, never rendered inline, without a thumbnail', async (_kind, make, mimeType, extension) => {
      const ada = await given.user();
      const bytes = make();
      const response = await media.upload(ada, bytes, 'picture.png', 'image/png');
      expect(response.statusCode).toBe(201);
      const body = response.json() as MediaBody;
      expect(body).toMatchObject({ mimeType, size: bytes.length, sha256: sha256(bytes), width: null, height: null, thumbnailUrl: null });

      const content = await media.get(ada, bearerPath(body.url));
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(bytes)).toBe(true);
      expect(content.headers).toMatchObject({
        'content-type': mimeType,
        etag: `"${sha256(bytes)}"`,
        'x-content-type-options': 'nosniff',
        'content-disposition': `attachment; filename="${body.id}.${extension}"`,
      });
      expect((await media.get(ada, `/api/v1/media/${body.id}/thumbnail`)).statusCode).toBe(404);
    });
  });

  it.each([
    ['an HTML page', refused.html],
    ['an SVG with a script', refused.svg],
    ['an ELF executable', refused.elf],
    ['a ZIP archive', refused.zip],
    ['plain text', refused.text],
  ])('refuses %s named .png with 415 and keeps nothing', async (_what, make) => {
    const ada = await given.user();
    const before = filesIn(mediaDir.path);
    const response = await media.upload(ada, make(), 'cat.png', 'image/png');
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(await media.rowsOf(ada)).toBe(0);
    expect(filesIn(mediaDir.path)).toEqual(before);
  });

  it('refuses an image that cannot be decoded with 415 and keeps nothing', async () => {
    const ada = await given.user();
    const before = filesIn(mediaDir.path);
    const response = await media.upload(ada, refused.brokenPng(), 'broken.png');
    expect(response.statusCode).toBe(415);
    expect(await media.rowsOf(ada)).toBe(0);
    expect(filesIn(mediaDir.path)).toEqual(before);
  });

  it.each([
    ['a PNG', pixelBombPng],
    ['a GIF', pixelBombGif],
  ])('refuses %s of a few bytes that claims billions of pixels with 413, before decoding it', async (_what, make) => {
    const ada = await given.user();
    const before = filesIn(mediaDir.path);
    const bomb = make();
    expect(bomb.length).toBeLessThan(200);
    const response = await media.upload(ada, bomb, 'bomb.png');
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('megapixels') });
    expect(await media.rowsOf(ada)).toBe(0);
    expect(filesIn(mediaDir.path)).toEqual(before);
  });

  describe('one file per upload, in the field "file", and nothing else', () => {
    it.each([
      [
        'two files',
        [
          { name: 'file', filename: 'a.pdf', content: pdf() },
          { name: 'file', filename: 'b.pdf', content: pdf() },
        ],
      ],
      [
        'a text field after the file',
        [
          { name: 'file', filename: 'a.pdf', content: pdf() },
          { name: 'caption', content: 'hello' },
        ],
      ],
      [
        'a text field before the file',
        [
          { name: 'caption', content: 'hello' },
          { name: 'file', filename: 'a.pdf', content: pdf() },
        ],
      ],
      ['the file in another field', [{ name: 'document', filename: 'a.pdf', content: pdf() }]],
      [
        'a file and a file in another field',
        [
          { name: 'file', filename: 'a.pdf', content: pdf() },
          { name: 'other', filename: 'b.pdf', content: pdf() },
        ],
      ],
      ['no file at all', [{ name: 'file', content: 'not a file' }]],
    ])('answers 400 for %s and keeps nothing', async (_what, parts) => {
      const ada = await given.user();
      const before = filesIn(mediaDir.path);
      const response = await media.uploadForm(ada, parts);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'file' })] });
      expect(await media.rowsOf(ada)).toBe(0);
      expect(filesIn(mediaDir.path)).toEqual(before);
    });

    it('answers 400 for a request that is not a multipart form', async () => {
      const ada = await given.user();
      const response = await running.app.inject({ method: 'POST', url: '/api/v1/media', headers: ada.auth, payload: { file: 'x' } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'file' })] });
    });

    it('needs a signed-in caller', async () => {
      const response = await running.app.inject({ method: 'POST', url: '/api/v1/media', payload: { file: 'x' } });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('thumbnails', () => {
    it('applies EXIF orientation, fits in 320 px, and keeps no metadata', async () => {
      const ada = await given.user();
      const photo = await image.rotatedJpegWithExif(800, 400);
      expect((await sharp(photo).metadata()).exif).toBeDefined();
      const body = await media.uploaded(ada, photo, 'photo.jpg');
      // Displayed size: orientation 6 turns the 800 × 400 landscape into a portrait.
      expect(body).toMatchObject({ width: 400, height: 800 });

      const response = await media.get(ada, bearerPath(body.thumbnailUrl!));
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'content-type': 'image/webp', 'x-content-type-options': 'nosniff', etag: expect.any(String) });
      const thumbnail = await sharp(response.rawPayload).metadata();
      expect(thumbnail).toMatchObject({ format: 'webp', width: 160, height: 320 });
      expect(thumbnail.exif).toBeUndefined();
      expect(thumbnail.xmp).toBeUndefined();
      expect(thumbnail.orientation).toBeUndefined();
    });

    it.each([
      ['a JPEG', 'image/jpeg', () => image.rotatedJpegWithExif(800, 400)],
      [
        'a WebP',
        'image/webp',
        () =>
          sharp({ create: { width: 800, height: 400, channels: 3, background: '#888' } })
            .webp()
            .withMetadata({ orientation: 6 })
            .withExif(GPS_AND_OWNER)
            .toBuffer(),
      ],
      [
        'a PNG',
        'image/png',
        () =>
          sharp({ create: { width: 800, height: 400, channels: 3, background: '#888' } })
            .png()
            .withMetadata({ orientation: 6 })
            .withExif(GPS_AND_OWNER)
            .toBuffer(),
      ],
    ])('serves %s original without its GPS and owner tags, displayed the same way, described by what is stored', async (_kind, mimeType, make) => {
      const ada = await given.user();
      const photo = await make();
      expect((await sharp(photo).metadata()).exif!.toString('latin1')).toMatch(/Ada|secret/);
      const body = await media.uploaded(ada, photo, 'photo');
      expect(body).toMatchObject({ mimeType, width: 400, height: 800 });
      const content = await media.get(ada, bearerPath(body.url));
      expect(content.statusCode).toBe(200);
      const served = content.rawPayload;
      const metadata = await sharp(served).metadata();
      expect(metadata.orientation).toBe(6);
      expect(metadata.exif!.includes(Buffer.from([0x88, 0x25]))).toBe(false); // no GPS IFD
      for (const text of ['Ada', 'secret', 'GPS']) expect(served.toString('latin1')).not.toContain(text);
      const displayed = (bytes: Buffer) => sharp(bytes).rotate().raw().toBuffer();
      expect((await displayed(served)).equals(await displayed(photo))).toBe(true);
      // size, sha256 and the ETag describe the stored (cleaned) file, not the client's.
      expect(body.size).toBe(served.length);
      expect(body.sha256).toBe(sha256(served));
      expect(body.sha256).not.toBe(sha256(photo));
      expect(content.headers.etag).toBe(`"${sha256(served)}"`);
    });

    it('never enlarges a small image', async () => {
      const ada = await given.user();
      const body = await media.uploaded(ada, await image.png(40, 30));
      const thumbnail = await sharp((await media.get(ada, bearerPath(body.thumbnailUrl!))).rawPayload).metadata();
      expect(thumbnail).toMatchObject({ width: 40, height: 30 });
    });

    it('fits a wide image by its width', async () => {
      const ada = await given.user();
      const body = await media.uploaded(ada, await image.webp(1000, 250));
      const thumbnail = await sharp((await media.get(ada, bearerPath(body.thumbnailUrl!))).rawPayload).metadata();
      expect(thumbnail).toMatchObject({ width: 320, height: 80 });
    });
  });

  describe('ranges and revalidation', () => {
    const bytes = Buffer.concat([pdf(), Buffer.from('0123456789abcdef')]);
    let ada: Awaited<ReturnType<Given['user']>>;
    let body: MediaBody;

    beforeAll(async () => {
      ada = await given.user();
      body = await media.uploaded(ada, bytes, 'doc.pdf');
    });

    it.each([
      ['bytes=2-9', 2, 9],
      ['bytes=10-', 10, bytes.length - 1],
      ['bytes=-6', bytes.length - 6, bytes.length - 1],
      ['bytes=0-999999', 0, bytes.length - 1],
    ])('answers %s with 206 and exactly those bytes', async (range, start, end) => {
      const response = await media.get(ada, bearerPath(body.url), { range });
      expect(response.statusCode).toBe(206);
      expect(response.rawPayload.equals(bytes.subarray(start, end + 1))).toBe(true);
      expect(response.headers).toMatchObject({
        'content-range': `bytes ${start}-${end}/${bytes.length}`,
        'content-length': String(end - start + 1),
        'content-type': 'application/pdf',
        etag: `"${body.sha256}"`,
      });
    });

    it('answers a range past the end with 416 and the size', async () => {
      const response = await media.get(ada, bearerPath(body.url), { range: `bytes=${bytes.length}-` });
      expect(response.statusCode).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${bytes.length}`);
      expect(response.json()).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE' });
    });

    it.each([
      ['several ranges', { range: 'bytes=0-1,4-5' }],
      ['another unit', { range: 'items=0-1' }],
      ['a malformed range', { range: 'bytes=9-2' }],
      ['a range of another version', { range: 'bytes=0-1', 'if-range': '"0000"' }],
    ])('serves the whole content for %s', async (_what, headers) => {
      const response = await media.get(ada, bearerPath(body.url), headers);
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.equals(bytes)).toBe(true);
    });

    it('answers 304 to a current If-None-Match, 200 to a stale one', async () => {
      const current = await media.get(ada, bearerPath(body.url), { 'if-none-match': `"${body.sha256}"` });
      expect(current.statusCode).toBe(304);
      expect(current.rawPayload.length).toBe(0);
      expect(current.headers.etag).toBe(`"${body.sha256}"`);
      expect((await media.get(ada, bearerPath(body.url), { 'if-none-match': 'W/"stale", "other"' })).statusCode).toBe(200);
    });
  });

  it('answers HEAD with the headers of the content and no body', async () => {
    const ada = await given.user();
    const bytes = pdf();
    const body = await media.uploaded(ada, bytes);
    const response = await running.app.inject({ method: 'HEAD', url: bearerPath(body.url), headers: ada.auth });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/pdf', 'content-length': String(bytes.length), etag: `"${body.sha256}"` });
    expect(response.rawPayload.length).toBe(0);
  });

  it('documents the multipart upload so Swagger UI can send a file, with its 413 and 415', async () => {
    const document = (await running.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    const upload = document.paths['/api/v1/media'].post;
    expect(upload.requestBody.content['multipart/form-data'].schema).toMatchObject({
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    });
    expect(upload.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/MediaDto');
    for (const status of ['400', '401', '413', '415']) {
      expect(upload.responses[status].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorEnvelopeDto');
    }
    expect(upload.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
    const content = document.paths['/api/v1/media/{id}/content'].get;
    expect(Object.keys(content.responses)).toEqual(expect.arrayContaining(['200', '206', '304', '404', '416']));
    expect(document.components.schemas.MeDto.properties.avatar).toBeDefined();
  });

  describe('who may read an upload', () => {
    it('answers 404 to anyone but the uploader, exactly as for an upload that does not exist', async () => {
      const ada = await given.user();
      const eve = await given.user();
      const body = await media.uploaded(ada, await image.png());
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const path of ['', '/content', '/thumbnail']) {
        const theirs = await media.get(eve, `/api/v1/media/${body.id}${path}`);
        const none = await media.get(eve, `/api/v1/media/${missing}${path}`);
        expect(theirs.statusCode).toBe(404);
        expect(none.statusCode).toBe(404);
        expect({ ...theirs.json(), requestId: null }).toEqual({ ...none.json(), requestId: null });
        expect((await media.get(ada, `/api/v1/media/${body.id}${path}`)).statusCode).toBe(200);
        expect((await media.get(null, `/api/v1/media/${body.id}${path}`)).statusCode).toBe(401);
      }
      expect((await media.get(ada, '/api/v1/media/not-a-uuid')).statusCode).toBe(400);
    });
  });

  describe('avatars', () => {
    const patchMe = (user: Awaited<ReturnType<Given['user']>>, payload: object) =>
      running.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: user.auth, payload });

    it('sets an image I uploaded as my avatar, shown to everyone through my profile and readable by them', async () => {
      const ada = await given.user();
      const bob = await given.user();
      const avatar = await media.uploaded(ada, await image.jpeg(200, 100));
      const updated = await patchMe(ada, { avatarMediaId: avatar.id });
      expect(updated.statusCode).toBe(200);
      expect(asBearer(updated.json().avatar)).toEqual(asBearer(avatar));
      expect(asBearer((await media.get(ada, '/api/v1/users/me')).json().avatar)).toEqual(asBearer(avatar));

      const profile = await media.get(bob, `/api/v1/users/${ada.id}`);
      expect(asBearer(profile.json().avatar)).toEqual(asBearer(avatar));
      expect(asBearer((await media.get(bob, `/api/v1/users?search=${ada.username}`)).json().items[0].avatar)).toEqual(asBearer(avatar));
      expect((await media.get(bob, bearerPath(avatar.url))).statusCode).toBe(200);
      expect((await media.get(bob, bearerPath(avatar.thumbnailUrl!))).statusCode).toBe(200);
      expect(asBearer((await media.get(bob, `/api/v1/media/${avatar.id}`)).json())).toEqual(asBearer(avatar));

      const login = await running.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: ada.email, password: ada.password } });
      expect(asBearer(login.json().user.avatar)).toEqual(asBearer(avatar));
    });

    it('stops showing a replaced avatar to others', async () => {
      const ada = await given.user();
      const bob = await given.user();
      const first = await media.uploaded(ada, await image.png());
      const second = await media.uploaded(ada, await image.webp());
      await patchMe(ada, { avatarMediaId: first.id });
      await patchMe(ada, { avatarMediaId: second.id });
      expect((await media.get(bob, bearerPath(first.url))).statusCode).toBe(404);
      expect((await media.get(bob, bearerPath(second.url))).statusCode).toBe(200);
      const cleared = await patchMe(ada, { avatarMediaId: null });
      expect(cleared.json().avatar).toBeNull();
      expect((await media.get(bob, bearerPath(second.url))).statusCode).toBe(404);
      expect((await media.get(ada, bearerPath(second.url))).statusCode).toBe(200);
    });

    it.each([
      [
        'someone else’s image',
        async (_me: Awaited<ReturnType<Given['user']>>, other: Awaited<ReturnType<Given['user']>>) => (await media.uploaded(other, await image.png())).id,
      ],
      ['my own PDF', async (me: Awaited<ReturnType<Given['user']>>) => (await media.uploaded(me, pdf())).id],
      ['an upload that does not exist', async () => '00000000-0000-4000-8000-000000000000'],
    ])('refuses %s as my avatar with 400', async (_what, pick) => {
      const ada = await given.user();
      const bob = await given.user();
      const response = await patchMe(ada, { displayName: 'Changed', avatarMediaId: await pick(ada, bob) });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'avatarMediaId', message: expect.any(String) }] });
      expect((await media.get(ada, '/api/v1/users/me')).json()).toMatchObject({ avatar: null, displayName: ada.displayName });
    });
  });

  describe('orphans', () => {
    it('deletes uploads older than MEDIA_ORPHAN_TTL that nothing uses: row, file and thumbnail', async () => {
      const ada = await given.user();
      const database = running.app.get(DataSource);
      const orphan = await media.uploaded(ada, await image.png());
      const avatar = await media.uploaded(ada, await image.jpeg());
      const recent = await media.uploaded(ada, pdf());
      await running.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: ada.auth, payload: { avatarMediaId: avatar.id } });
      await database.query(`UPDATE media SET created_at = now() - interval '2 days' WHERE id = ANY($1::uuid[])`, [[orphan.id, avatar.id]]);
      const filesOf = (id: string) => filesIn(mediaDir.path).filter((file) => file.includes(id));
      expect(filesOf(orphan.id)).toHaveLength(2);

      expect(await running.app.get(MediaService).sweepOrphans()).toBeGreaterThanOrEqual(1);

      expect(filesOf(orphan.id)).toEqual([]);
      expect((await media.get(ada, bearerPath(orphan.url))).statusCode).toBe(404);
      const kept = await database.query('SELECT id FROM media WHERE id = ANY($1::uuid[]) ORDER BY id', [[avatar.id, recent.id]]);
      expect(kept).toHaveLength(2);
      expect(filesOf(avatar.id)).toHaveLength(2);
      expect((await media.get(ada, bearerPath(recent.url))).statusCode).toBe(200);
    });
  });
});

import sharp from 'sharp';
import { withoutImageMetadata } from '../../src/media/image-metadata.js';

const PRIVATE = { IFD0: { Artist: 'Ada Lovelace', Copyright: 'secret owner' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } };
const base = () => sharp({ create: { width: 80, height: 40, channels: 3, background: '#3a7' } });

/** What a viewer shows: pixels after the EXIF orientation is applied. */
const displayed = (bytes: Buffer) => sharp(bytes).rotate().raw().toBuffer();

function pngChunks(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at + 12 <= bytes.length; at += 12 + bytes.readUInt32BE(at)) types.push(bytes.toString('latin1', at + 4, at + 8));
  return types;
}

/** The compressed image data of a JPEG: from the first scan to the end-of-image marker. */
const jpegScans = (bytes: Buffer) => bytes.subarray(bytes.indexOf(Buffer.from([0xff, 0xda])), bytes.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2);

describe('images without their metadata', () => {
  it.each([
    ['JPEG', 'image/jpeg', () => base().jpeg().withMetadata({ orientation: 6 }).withExif(PRIVATE).toBuffer()],
    ['WebP', 'image/webp', () => base().webp().withMetadata({ orientation: 6 }).withExif(PRIVATE).toBuffer()],
    ['PNG', 'image/png', () => base().png().withMetadata({ orientation: 6 }).withExif(PRIVATE).toBuffer()],
  ])('%s: no GPS or owner tags left, the orientation kept, displayed the same', async (_kind, mimeType, make) => {
    const original = await make();
    expect((await sharp(original).metadata()).exif!.toString('latin1')).toContain('Ada Lovelace');
    const cleaned = withoutImageMetadata(original, mimeType, 6);
    const metadata = await sharp(cleaned).metadata();
    expect(metadata.orientation).toBe(6);
    for (const text of ['Ada Lovelace', 'secret owner']) expect(cleaned.includes(Buffer.from(text))).toBe(false);
    // One tag is left: Orientation (0x0112); no GPS IFD pointer (0x8825), no other IFD.
    expect(metadata.exif!.length).toBeLessThanOrEqual(32);
    expect(metadata.exif!.includes(Buffer.from([0x88, 0x25]))).toBe(false);
    expect((await displayed(cleaned)).equals(await displayed(original))).toBe(true);
  });

  it('copies the compressed data of a JPEG byte for byte and keeps its colour profile', async () => {
    const original = await base().jpeg().withIccProfile('p3').withMetadata({ orientation: 3 }).withExif(PRIVATE).toBuffer();
    const cleaned = withoutImageMetadata(original, 'image/jpeg', 3);
    expect(jpegScans(cleaned).equals(jpegScans(original))).toBe(true);
    expect((await sharp(cleaned).metadata()).icc).toEqual((await sharp(original).metadata()).icc);
  });

  it('drops comments, XMP and whatever follows the end of a JPEG', async () => {
    const plain = await base().jpeg().toBuffer();
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x0b]), Buffer.from('by Ada xx')]);
    const xmpBody = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPS</x:xmpmeta>');
    const xmp = Buffer.concat([Buffer.from([0xff, 0xe1, (xmpBody.length + 2) >> 8, (xmpBody.length + 2) & 0xff]), xmpBody]);
    const trailer = Buffer.from('trailing owner data');
    const original = Buffer.concat([plain.subarray(0, 2), comment, xmp, plain.subarray(2), trailer]);
    const cleaned = withoutImageMetadata(original, 'image/jpeg', undefined);
    expect(cleaned.equals(plain)).toBe(true);
  });

  it('drops PNG text chunks and keeps the image chunks', async () => {
    const plain = await base().png().toBuffer();
    const text = (type: string, body: string) => {
      const data = Buffer.from(body, 'latin1');
      const chunk = Buffer.alloc(12 + data.length);
      chunk.writeUInt32BE(data.length, 0);
      chunk.write(type, 4, 'latin1');
      data.copy(chunk, 8);
      return chunk; // the CRC does not matter to the stripper
    };
    const original = Buffer.concat([plain.subarray(0, 33), text('tEXt', 'Author\0Ada'), text('iTXt', 'XML:com.adobe.xmp\0\0\0\0\0GPS'), plain.subarray(33)]);
    const cleaned = withoutImageMetadata(original, 'image/png', undefined);
    expect(pngChunks(cleaned)).toEqual(pngChunks(plain));
    expect(cleaned.equals(plain)).toBe(true);
  });

  it.each([
    ['JPEG', 'image/jpeg', () => base().jpeg().toBuffer()],
    ['PNG', 'image/png', () => base().png().toBuffer()],
    ['WebP', 'image/webp', () => base().webp().toBuffer()],
    ['GIF', 'image/gif', () => base().gif().toBuffer()],
  ])('leaves a %s without metadata as it is (the same bytes, the same hash)', async (_kind, mimeType, make) => {
    const original = await make();
    expect(withoutImageMetadata(original, mimeType, undefined)).toBe(original);
  });

  it('leaves bytes it does not understand as they are', () => {
    const broken = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x00]);
    expect(withoutImageMetadata(broken, 'image/jpeg', 6)).toBe(broken);
  });
});

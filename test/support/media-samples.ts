import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Small files of every allowed kind, built in memory: images with sharp, the others by hand from just
 * enough of their format for magic-number detection (file-type) to recognise them.
 */

const uint32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};

export const image = {
  jpeg: (width = 64, height = 48) =>
    sharp({ create: { width, height, channels: 3, background: '#c33' } })
      .jpeg()
      .toBuffer(),
  png: (width = 64, height = 48) =>
    sharp({ create: { width, height, channels: 4, background: '#3c3' } })
      .png()
      .toBuffer(),
  gif: (width = 64, height = 48) =>
    sharp({ create: { width, height, channels: 3, background: '#33c' } })
      .gif()
      .toBuffer(),
  webp: (width = 64, height = 48) =>
    sharp({ create: { width, height, channels: 3, background: '#cc3' } })
      .webp()
      .toBuffer(),
  /**
   * A landscape JPEG whose EXIF says "rotate 90° clockwise" (orientation 6), with GPS-like metadata
   * (EXIF IFD0 + GPS) that a thumbnail must not keep.
   */
  rotatedJpegWithExif: (width = 800, height = 400) =>
    sharp({ create: { width, height, channels: 3, background: '#888' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Artist: 'Ada', Copyright: 'secret' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .toBuffer(),
};

/** `%PDF-` and a trivial document. */
export const pdf = () =>
  Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/** An ISO BMFF `ftyp` box with the `isom` brand, then `free` and `mdat`. */
export function mp4(): Buffer {
  const box = (type: string, body: Buffer) => Buffer.concat([uint32(8 + body.length), Buffer.from(type, 'latin1'), body]);
  return Buffer.concat([
    box('ftyp', Buffer.concat([Buffer.from('isom'), uint32(512), Buffer.from('isomiso2avc1mp41')])),
    box('free', Buffer.alloc(0)),
    box('mdat', Buffer.alloc(64)),
  ]);
}

/** An EBML header whose DocType is `webm`, then an empty Segment. */
export function webm(): Buffer {
  const header = Buffer.from([
    0x42,
    0x86,
    0x81,
    0x01,
    0x42,
    0xf7,
    0x81,
    0x01,
    0x42,
    0xf2,
    0x81,
    0x04,
    0x42,
    0xf3,
    0x81,
    0x08,
    0x42,
    0x82,
    0x84,
    ...Buffer.from('webm'),
    0x42,
    0x87,
    0x81,
    0x04,
    0x42,
    0x85,
    0x81,
    0x02,
  ]);
  return Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | header.length]), header, Buffer.from([0x18, 0x53, 0x80, 0x67, 0x80])]);
}

/** An ID3v2 tag, then three silent MPEG-1 layer III frames (128 kbit/s, 44.1 kHz). */
export function mp3(): Buffer {
  const frame = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)]);
  return Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0, 0, 0, 0x02, 0x00]), Buffer.alloc(256), frame, frame, frame]);
}

function oggPage(packet: Buffer): Buffer {
  const header = Buffer.concat([Buffer.from('OggS'), Buffer.from([0, 2]), Buffer.alloc(8), Buffer.from([1, 2, 3, 4]), Buffer.alloc(8)]);
  return Buffer.concat([header, Buffer.from([1, packet.length]), packet]);
}

/** The first Ogg page of an Opus stream (`OpusHead`). */
export const oggOpus = () => oggPage(Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 2, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0])]));

/** The first Ogg page of a Vorbis stream (`\x01vorbis`). */
export const oggVorbis = () => oggPage(Buffer.concat([Buffer.from([1]), Buffer.from('vorbis'), Buffer.alloc(23)]));

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([uint32(data.length), typed, uint32(crc32(typed))]);
}

/** 74 bytes that claim to be a 100 000 × 100 000 PNG: ten gigapixels once decoded. */
export function pixelBombPng(side = 100_000): Buffer {
  const header = Buffer.concat([uint32(side), uint32(side), Buffer.from([1, 0, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1000))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF whose logical screen and only image are 65 535 × 65 535. */
export function pixelBombGif(): Buffer {
  const size = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  return Buffer.concat([
    Buffer.from('GIF89a'),
    size,
    Buffer.from([0x00, 0x00, 0x00]),
    Buffer.from([0x2c, 0, 0, 0, 0]),
    size,
    Buffer.from([0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
  ]);
}

/** Things that must never be accepted, whatever they are called. */
export const refused = {
  html: () => Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'),
  svg: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
  /** The start of a 64-bit Linux executable. */
  elf: () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(8), Buffer.from([2, 0, 0x3e, 0]), Buffer.alloc(44)]),
  /** A ZIP local file header. */
  zip: () => Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 0, 0]), Buffer.alloc(40)]),
  text: () => Buffer.from('just some text that is not any kind of media\n'),
  /** A PNG signature followed by garbage: claims to be an image, can't be decoded. */
  brokenPng: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR'), Buffer.alloc(64, 7)]),
};

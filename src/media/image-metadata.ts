import { crc32 } from 'node:zlib';

/**
 * An uploaded image without what phones and cameras write about the person taking it — EXIF (GPS
 * position, owner, camera serial), XMP, IPTC, comments — losslessly: the compressed image data is copied
 * byte for byte, so the pixels are the ones uploaded. What decides how the image looks is kept: the
 * colour profile (ICC), the Adobe colour-transform marker, JFIF, PNG's colour chunks, and the EXIF
 * orientation, rewritten as an EXIF block that holds that one tag. Returns `content` itself when there
 * was nothing to remove. GIFs carry no EXIF and are returned as they are.
 */
export function withoutImageMetadata(content: Buffer, mimeType: string, orientation: number | undefined): Buffer {
  const keep = orientation && orientation >= 2 && orientation <= 8 ? orientation : undefined;
  switch (mimeType) {
    case 'image/jpeg':
      return jpegWithout(content, keep);
    case 'image/png':
      return pngWithout(content, keep);
    case 'image/webp':
      return webpWithout(content, keep);
    default:
      return content;
  }
}

/** A TIFF structure (big-endian) with one IFD holding only the Orientation tag (0x0112). */
function orientationTiff(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // one value
  tiff.writeUInt16BE(orientation, 18); // the value, left-justified in the 4-byte field
  tiff.writeUInt32BE(0, 22); // no next IFD
  return tiff;
}

// JPEG ----------------------------------------------------------------------------------------------

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

/** Segments that change how the image looks, or are the image; every other APPn and COM is metadata. */
function keepsJpegSegment(marker: number, body: Buffer): boolean {
  if (marker === APP0 || marker === APP14) return true; // JFIF; Adobe (colour transform)
  if (marker === APP2) return body.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0';
  if ((marker >= APP1 && marker <= 0xef) || marker === COM) return false;
  return true;
}

function jpegSegment(marker: number, body: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

/**
 * Walks the markers up to the first scan, dropping metadata segments (and putting a minimal EXIF with
 * the orientation where the first one was), copies the scans up to the end-of-image marker, and drops
 * whatever follows it (trailers, the extra images of MPF files, which carry EXIF of their own).
 */
function jpegWithout(content: Buffer, orientation: number | undefined): Buffer {
  if (content.length < 4 || content[0] !== 0xff || content[1] !== SOI) return content;
  const parts: Buffer[] = [content.subarray(0, 2)];
  let changed = false;
  let orientationWritten = orientation === undefined;
  let at = 2;
  for (;;) {
    if (at + 4 > content.length || content[at] !== 0xff) return content; // not a JPEG we understand: leave it
    const marker = content[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === EOI) {
      parts.push(content.subarray(at, at + 2));
      at += 2;
      break;
    }
    const length = content.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > content.length) return content;
    const body = content.subarray(at + 4, end);
    if (marker === SOS) {
      const scanEnd = endOfScans(content, end);
      if (scanEnd === null) return content;
      if (!orientationWritten) {
        parts.push(jpegSegment(APP1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), orientationTiff(orientation!)])));
        changed = true;
      }
      parts.push(content.subarray(at, scanEnd));
      at = scanEnd;
      break;
    }
    if (keepsJpegSegment(marker, body)) {
      parts.push(content.subarray(at, end));
    } else {
      changed = true;
      if (!orientationWritten && marker === APP1) {
        parts.push(jpegSegment(APP1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), orientationTiff(orientation!)])));
        orientationWritten = true;
      }
    }
    at = end;
  }
  if (at < content.length) changed = true;
  return changed ? Buffer.concat(parts) : content;
}

/**
 * From the first scan's data to just after the end-of-image marker: entropy-coded data (where 0xFF is
 * followed by 0x00, a restart marker or fill), with the tables and further scans of a progressive JPEG
 * between. Null when the image never ends.
 */
function endOfScans(content: Buffer, from: number): number | null {
  let at = from;
  while (at + 1 < content.length) {
    if (content[at] !== 0xff) {
      at += 1;
      continue;
    }
    const next = content[at + 1];
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
      at += next === 0xff ? 1 : 2;
      continue;
    }
    if (next === EOI) return at + 2;
    if (at + 4 > content.length) return null;
    at += 2 + content.readUInt16BE(at + 2); // a segment between scans (DHT, DQT, SOS, DRI…)
  }
  return null;
}

// PNG -----------------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image, its colour and its animation; text (tEXt, zTXt, iTXt), eXIf, tIME and private chunks go. */
const PNG_KEPT = new Set([
  'IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'cHRM', 'gAMA', 'iCCP', 'sBIT', 'sRGB', 'cICP', 'mDCV', 'cLLI', 'bKGD', 'hIST', 'pHYs', 'sPLT', 'acTL', 'fcTL', 'fdAT',
]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

function pngWithout(content: Buffer, orientation: number | undefined): Buffer {
  if (!content.subarray(0, 8).equals(PNG_SIGNATURE)) return content;
  const parts: Buffer[] = [PNG_SIGNATURE];
  let changed = false;
  let at = 8;
  while (at + 12 <= content.length) {
    const length = content.readUInt32BE(at);
    const type = content.subarray(at + 4, at + 8).toString('latin1');
    const end = at + 12 + length;
    if (end > content.length) return content;
    if (PNG_KEPT.has(type)) parts.push(content.subarray(at, end));
    else changed = true;
    // The orientation goes right after the header, ahead of the image data as the format asks.
    if (type === 'IHDR' && orientation !== undefined) {
      parts.push(pngChunk('eXIf', orientationTiff(orientation)));
      changed = true;
    }
    at = end;
    if (type === 'IEND') break;
  }
  if (at < content.length) changed = true;
  return changed ? Buffer.concat(parts) : content;
}

// WebP ----------------------------------------------------------------------------------------------

const WEBP_KEPT = new Set(['VP8X', 'ICCP', 'ANIM', 'ANMF', 'ALPH', 'VP8 ', 'VP8L']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** Only the extended format (VP8X) can carry EXIF or XMP; its flags are updated to what remains. */
function webpWithout(content: Buffer, orientation: number | undefined): Buffer {
  if (content.length < 20 || content.toString('latin1', 0, 4) !== 'RIFF' || content.toString('latin1', 8, 12) !== 'WEBP') return content;
  if (content.toString('latin1', 12, 16) !== 'VP8X') return content;
  const chunks: Buffer[] = [];
  let changed = false;
  let vp8x: Buffer | null = null;
  let at = 12;
  while (at + 8 <= content.length) {
    const type = content.toString('latin1', at, at + 4);
    const size = content.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    if (at + 8 + size > content.length) return content;
    if (!WEBP_KEPT.has(type)) {
      changed = true;
    } else if (type === 'VP8X') {
      vp8x = Buffer.from(content.subarray(at, at + 8 + size));
      chunks.push(vp8x);
    } else {
      chunks.push(content.subarray(at, Math.min(end, content.length)));
    }
    at = end;
  }
  if (!vp8x) return content;
  if (orientation !== undefined) {
    chunks.push(riffChunk('EXIF', orientationTiff(orientation)));
    changed = true;
  }
  if (!changed) return content;
  vp8x[8] = (vp8x[8] & ~(VP8X_EXIF | VP8X_XMP)) | (orientation !== undefined ? VP8X_EXIF : 0);
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}

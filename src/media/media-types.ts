import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { fileTypeFromBuffer } from 'file-type';

export interface AllowedType {
  /** What is stored and served as `content-type`. */
  mimeType: string;
  /** For the download's file name. */
  extension: string;
  /** Images get width, height and a thumbnail, and are served inline. */
  image: boolean;
}

const type = (mimeType: string, extension: string, image = false): AllowedType => ({ mimeType, extension, image });
const OGG_AUDIO = type('audio/ogg', 'ogg');

/**
 * The contract's allow-list, keyed by what file-type recognises in the bytes. Variants the contract
 * doesn't name are refused: MP4's relatives (M4A, M4V, MOV, 3GP, HEIC…), MPEG layers 1 and 2, Ogg video.
 * An animated PNG is a PNG.
 */
const ALLOWED_BY_DETECTED_EXTENSION: Record<string, AllowedType> = {
  jpg: type('image/jpeg', 'jpg', true),
  png: type('image/png', 'png', true),
  apng: type('image/png', 'png', true),
  gif: type('image/gif', 'gif', true),
  webp: type('image/webp', 'webp', true),
  pdf: type('application/pdf', 'pdf'),
  mp4: type('video/mp4', 'mp4'),
  webm: type('video/webm', 'webm'),
  mp3: type('audio/mpeg', 'mp3'),
  ogg: OGG_AUDIO,
  opus: OGG_AUDIO,
  oga: OGG_AUDIO,
  spx: OGG_AUDIO,
};

export const ALLOWED_TYPES_DESCRIPTION = 'JPEG, PNG, GIF, WebP, PDF, MP4, WebM, MP3, OGG audio';

/** Enough of the start of a file for every detector the allow-list needs. */
const SAMPLE_BYTES = 64 * 1024;
/** MP3s may start with more than one ID3v2 tag; more than a few is not a real file. */
const MAX_ID3_TAGS = 3;

/** Reads bytes `start` to `end` (inclusive) of the upload. */
export type RangeReader = (start: number, end: number) => Promise<Readable>;

/**
 * The length of the ID3v2 tag at the start of `bytes` (header, body and footer), if there is one. Its
 * size is a 28-bit "synchsafe" integer; flag 0x10 announces a 10-byte footer.
 */
function id3TagLength(bytes: Buffer): number | undefined {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 3) !== 'ID3') return undefined;
  const body = ((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) | ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f);
  return 10 + body + (bytes[5] & 0x10 ? 10 : 0);
}

/**
 * What the content is, from its first bytes (magic numbers) only; undefined when it is not on the
 * allow-list. file-type looks at a sample from the start of the file; ID3 tags in front of MP3 audio
 * (cover art can make them large) are skipped here, and what follows them must then be MP3 frames.
 */
export async function detectAllowedType(size: number, read: RangeReader): Promise<AllowedType | undefined> {
  let offset = 0;
  for (let tags = 0; tags <= MAX_ID3_TAGS && offset < size; tags++) {
    const sample = await buffer(await read(offset, Math.min(size, offset + SAMPLE_BYTES) - 1));
    const tagLength = id3TagLength(sample);
    if (tagLength === undefined) {
      const detected = await fileTypeFromBuffer(sample);
      if (!detected || !Object.hasOwn(ALLOWED_BY_DETECTED_EXTENSION, detected.ext)) return undefined;
      return tags === 0 || detected.ext === 'mp3' ? ALLOWED_BY_DETECTED_EXTENSION[detected.ext] : undefined;
    }
    offset += tagLength;
  }
  return undefined;
}

export function extensionOf(mimeType: string): string {
  return Object.values(ALLOWED_BY_DETECTED_EXTENSION).find((allowed) => allowed.mimeType === mimeType)?.extension ?? 'bin';
}

export function isImageType(mimeType: string): boolean {
  return mimeType.startsWith('image/');
}

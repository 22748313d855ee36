import sharp from 'sharp';
import { PayloadTooLarge, UnsupportedMediaType } from '../common/errors/app.exception.js';

/** Larger images are refused before anything decodes them: a small file can claim huge dimensions. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const THUMBNAIL_MAX_SIDE = 320;

export interface PreparedImage {
  /** As displayed, with EXIF orientation applied. */
  width: number;
  height: number;
  /** WebP, longest side at most `THUMBNAIL_MAX_SIDE`, no metadata. */
  thumbnail: Buffer;
  /** The EXIF orientation (1–8), when the image has one. */
  orientation: number | undefined;
}

const tooManyPixels = () =>
  new PayloadTooLarge(`The image has more than ${MAX_IMAGE_PIXELS / 1_000_000} megapixels; larger images are not accepted`);
const unreadable = () => new UnsupportedMediaType('The file looks like an image but could not be decoded');

/**
 * Reads an uploaded image's dimensions from its header, refuses decompression bombs (413) and
 * undecodable images (415), and makes its thumbnail. sharp writes no EXIF/GPS/XMP/ICC metadata unless
 * told to (`withMetadata`), so the thumbnail carries none.
 */
export async function prepareImage(content: Buffer): Promise<PreparedImage> {
  // Only the header is parsed here, so the dimension check itself can't be bombed.
  const metadata = await sharp(content, { limitInputPixels: false }).metadata().catch(() => {
    throw unreadable();
  });
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (!width || !height) throw unreadable();
  if (width * height > MAX_IMAGE_PIXELS) throw tooManyPixels();
  const thumbnail = await sharp(content, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
    .rotate()
    .resize({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer()
    .catch(() => {
      throw unreadable();
    });
  return { width, height, thumbnail, orientation: metadata.orientation };
}

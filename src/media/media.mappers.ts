import type { MediaDto } from './dto/media.dto.js';
import type { Media } from './media.entity.js';
import { plainMediaPath } from './media-urls.js';

/** `Media` with the plain (bearer) paths; `MediaUrls` signs them for the reader it is sent to. */
export function toMediaDto(media: Media): MediaDto {
  return {
    id: media.id,
    mimeType: media.mimeType,
    size: media.size,
    sha256: media.sha256,
    width: media.width,
    height: media.height,
    url: plainMediaPath(media.id, 'content'),
    thumbnailUrl: media.hasThumbnail ? plainMediaPath(media.id, 'thumbnail') : null,
  };
}

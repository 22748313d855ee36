import type { MediaDto } from './dto/media.dto.js';
import type { Media } from './media.entity.js';

export const MEDIA_PATH = '/api/v1/media';

export function toMediaDto(media: Media): MediaDto {
  return {
    id: media.id,
    mimeType: media.mimeType,
    size: media.size,
    sha256: media.sha256,
    width: media.width,
    height: media.height,
    url: `${MEDIA_PATH}/${media.id}/content`,
    thumbnailUrl: media.hasThumbnail ? `${MEDIA_PATH}/${media.id}/thumbnail` : null,
  };
}

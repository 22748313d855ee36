import { ApiProperty } from '@nestjs/swagger';

/** An uploaded file as the API shows it. */
export class MediaDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    example: 'image/jpeg',
    description: 'Detected from the bytes: image/jpeg, image/png, image/gif, image/webp, application/pdf, video/mp4, video/webm, audio/mpeg or audio/ogg',
  })
  mimeType: string;

  @ApiProperty({ example: 48213, description: 'Bytes' })
  size: number;

  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', description: 'SHA-256 of the content, lower-case hex; also its ETag', pattern: '^[0-9a-f]{64}$' })
  sha256: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Images only: displayed width (EXIF orientation applied)' })
  width: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Images only: displayed height (EXIF orientation applied)' })
  height: number | null;

  @ApiProperty({
    example: '/api/v1/media/3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718/signed/content?expires=1767225600&scope=c.0b6f2d1e-8a3c-4b5d-9e7f-1a2b3c4d5e6f&signature=q1QpMx7b1m6VbJ0kqg3Vw4b9l6H2d8n5yYt0cK3sZ1A',
    description:
      "A signed URL of the content, relative to the API's origin, that a browser loads with no header (`<img src>`, `<video src>`); it expires " +
      'after at most MEDIA_URL_TTL (`GET /media/{id}` gives fresh ones). The bearer route `/api/v1/media/{id}/content` serves the same bytes.',
  })
  url: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '/api/v1/media/3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718/signed/thumbnail?expires=1767225600&scope=a&signature=q1QpMx7b1m6VbJ0kqg3Vw4b9l6H2d8n5yYt0cK3sZ1A',
    description: 'Images only: a signed URL of a WebP at most 320 px on its longest side (as `url`; bearer route `/api/v1/media/{id}/thumbnail`)',
  })
  thumbnailUrl: string | null;
}

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

  @ApiProperty({ example: '/api/v1/media/4b0d…/content', description: 'Path of the content (needs the bearer token)' })
  url: string;

  @ApiProperty({ type: String, nullable: true, example: '/api/v1/media/4b0d…/thumbnail', description: 'Images only: a WebP at most 320 px on its longest side' })
  thumbnailUrl: string | null;
}

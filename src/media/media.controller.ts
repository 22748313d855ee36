import { applyDecorators, Controller, Get, HttpCode, Post, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { Conditions, type ContentConditions } from './content-response.js';
import { MediaDto } from './dto/media.dto.js';
import { MAX_IMAGE_PIXELS } from './image-processing.js';
import { MediaService, type MediaDownload } from './media.service.js';
import { ALLOWED_TYPES_DESCRIPTION } from './media-types.js';
import type { ReceivedFile } from './upload/media-upload.engine.js';
import { SingleFileUpload, UPLOAD_FIELD } from './upload/single-file-upload.interceptor.js';
import { Heavy } from '../common/concurrency/heavy-requests.js';

/** Status, headers and bytes as the service decided them. */
function send(reply: FastifyReply, download: MediaDownload): StreamableFile | undefined {
  void reply.status(download.status).headers(download.headers);
  return download.body && new StreamableFile(download.body);
}

const BINARY = { schema: { type: 'string', format: 'binary' } };
const ApiConditionalHeaders = () =>
  applyDecorators(
    ApiHeader({ name: 'range', required: false, description: 'One byte range, e.g. `bytes=0-1023`; answered with 206' }),
    ApiHeader({ name: 'if-none-match', required: false, description: 'The ETag you have; answered with 304 when it is current' }),
    ApiHeader({ name: 'if-range', required: false, description: 'The ETag the range belongs to' }),
  );

@ApiTags('media')
@Authenticated()
@Controller('media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post()
  @HttpCode(201)
  @Heavy()
  @UseInterceptors(SingleFileUpload)
  @ApiOperation({
    summary: 'Upload a file',
    description:
      `A multipart form with exactly one file, in the field \`${UPLOAD_FIELD}\`, and nothing else. The type is decided from the ` +
      `file's bytes, never its name or declared type; accepted: ${ALLOWED_TYPES_DESCRIPTION}. Images get a thumbnail. ` +
      'An upload that no message carries and that is nobody’s avatar is deleted after MEDIA_ORPHAN_TTL.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    required: true,
    schema: { type: 'object', required: [UPLOAD_FIELD], properties: { [UPLOAD_FIELD]: { type: 'string', format: 'binary' } } },
  })
  @ApiCreatedResponse({ type: MediaDto })
  @ApiErrors({
    400: 'No file, more than one file, a file in another field, any other field, or a malformed form',
    413: `Larger than MEDIA_MAX_BYTES, over the uploader's quota (MEDIA_USER_QUOTA_BYTES), or an image over ${MAX_IMAGE_PIXELS / 1_000_000} megapixels; nothing is kept`,
    415: `Not one of ${ALLOWED_TYPES_DESCRIPTION} (judged from the bytes), or an image that can't be decoded; nothing is kept`,
  })
  @ApiResponse({ status: 507, description: '`INSUFFICIENT_STORAGE`: the media storage is full; nothing is kept, try again later', type: ErrorEnvelopeDto })
  upload(@CurrentUser() user: AuthUser, @UploadedFile() file: ReceivedFile | undefined) {
    return this.media.upload(user, file);
  }

  @Get(':id')
  @ApiOperation({ summary: "An upload's description" })
  @ApiOkResponse({ type: MediaDto })
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such upload, or not yours to see' })
  describe(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.media.describe(user, id);
  }

  @Get(':id/content')
  @ApiOperation({
    summary: 'The bytes of an upload',
    description:
      'With the detected `content-type`, the SHA-256 as `etag`, `x-content-type-options: nosniff`, and `content-disposition: ' +
      'attachment` for anything but images. Readable by the uploader, members of a conversation where a message carries it, ' +
      'and anyone signed in when it is a current avatar.',
  })
  @ApiProduces('image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'video/mp4', 'video/webm', 'audio/mpeg', 'audio/ogg')
  @ApiConditionalHeaders()
  @ApiOkResponse({ description: 'The whole content', content: { '*/*': BINARY } })
  @ApiResponse({ status: 206, description: 'The requested range, with `content-range`', content: { '*/*': BINARY } })
  @ApiResponse({ status: 304, description: 'Not modified: the `if-none-match` ETag is current' })
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such upload, or not yours to see', 416: 'The range starts past the end; `content-range: bytes */<size>`' })
  async content(
    @CurrentUser() user: AuthUser,
    @UuidParam('id') id: string,
    @Conditions() conditions: ContentConditions,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.media.content(user, id, conditions));
  }

  @Get(':id/thumbnail')
  @ApiOperation({ summary: "An image's thumbnail: WebP, at most 320 px on its longest side, without metadata", description: 'Same access and headers as the content.' })
  @ApiProduces('image/webp')
  @ApiConditionalHeaders()
  @ApiOkResponse({ description: 'The thumbnail', content: { 'image/webp': BINARY } })
  @ApiResponse({ status: 206, description: 'The requested range', content: { 'image/webp': BINARY } })
  @ApiResponse({ status: 304, description: 'Not modified' })
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such upload, not yours to see, or not an image', 416: 'The range starts past the end' })
  async thumbnail(
    @CurrentUser() user: AuthUser,
    @UuidParam('id') id: string,
    @Conditions() conditions: ContentConditions,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.media.thumbnail(user, id, conditions));
  }
}

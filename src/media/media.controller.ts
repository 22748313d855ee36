import { applyDecorators, Controller, createParamDecorator, type ExecutionContext, Get, HttpCode, Param, Post, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators.js';
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
import { MEDIA_VARIANTS, type SignedQuery } from './media-urls.js';

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
  @Heavy({ queued: false })
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
  @ApiOperation({
    summary: "An upload's description, with fresh signed URLs",
    description:
      '`url` and `thumbnailUrl` are signed URLs bound to the caller, valid for MEDIA_URL_TTL (see `GET /media/{id}/signed/{variant}`): ' +
      'call this again for fresh ones when they expire.',
  })
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

const PRODUCED = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'video/mp4', 'video/webm', 'audio/mpeg', 'audio/ogg'];

/** The three query parameters of a signed URL, taken as they are: a bad one is a 404, never a 400. */
export const Signature = createParamDecorator((_data: unknown, context: ExecutionContext): SignedQuery => {
  const query = (context.switchToHttp().getRequest<FastifyRequest>().query ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
  return { expires: text('expires'), scope: text('scope'), signature: text('signature') };
});

/**
 * Signed media URLs (src/media/media-urls.ts): what `Media.url` and `Media.thumbnailUrl` point at, for a
 * browser to load with no header (`<img src>`, `<video src>` with range requests). Public: the signature
 * is the credential, and the rule it was issued under is checked again at every load.
 */
@ApiTags('media')
@Public()
@Controller('media')
export class SignedMediaController {
  constructor(private readonly media: MediaService) {}

  @Get(':id/signed/:variant')
  @ApiOperation({
    summary: 'The bytes of an upload through a signed URL (no token)',
    description:
      'The URL comes whole from a payload (`Media.url`, `Media.thumbnailUrl`, `sender.avatarUrl`): it expires after at most MEDIA_URL_TTL, ' +
      'and is bound to the media id, the variant and the rule it was issued under (the caller, the conversation whose message carries it, ' +
      'or a current avatar), which is checked again now: a deleted message, a changed avatar, a banned owner or a viewer who lost access ' +
      'make it a 404 at once. Headers, ranges and conditional requests as the bearer routes; `cache-control: private, max-age=` the seconds ' +
      'the URL has left.',
  })
  @ApiParam({ name: 'variant', schema: { type: 'string', enum: [...MEDIA_VARIANTS] } })
  @ApiQuery({ name: 'expires', required: true, description: 'Unix time (seconds) the URL expires at', schema: { type: 'string', pattern: '^\\d+$' } })
  @ApiQuery({
    name: 'scope',
    required: true,
    description: '`u.<userId>` (issued to that user), `c.<conversationId>` (an attachment there) or `a` (an avatar)',
    schema: { type: 'string' },
  })
  @ApiQuery({ name: 'signature', required: true, description: 'HMAC-SHA256 of the rest, base64url', schema: { type: 'string' } })
  @ApiProduces(...PRODUCED)
  @ApiConditionalHeaders()
  @ApiOkResponse({ description: 'The whole content (or thumbnail)', content: { '*/*': BINARY } })
  @ApiResponse({ status: 206, description: 'The requested range, with `content-range`', content: { '*/*': BINARY } })
  @ApiResponse({ status: 304, description: 'Not modified: the `if-none-match` ETag is current' })
  @ApiResponse({ status: 403, description: '`URL_EXPIRED`: the URL is past its expiry; get a fresh one from `GET /media/{id}`', type: ErrorEnvelopeDto })
  @ApiErrors({
    400: 'The id is not a UUID',
    404: 'A malformed or tampered URL, an unknown variant, no thumbnail, or the rule it was issued under no longer holds',
    416: 'The range starts past the end',
  })
  async download(
    @UuidParam('id') id: string,
    @Param('variant') variant: string,
    @Signature() signature: SignedQuery,
    @Conditions() conditions: ContentConditions,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.media.signed(id, variant, signature, conditions));
  }
}

import { Controller, Get, HttpCode, Post, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { Signature } from '../media/media.controller.js';
import type { SignedQuery } from '../media/media-urls.js';
import { DataExportsService } from './data-exports.service.js';
import { DataExportDto, ExportStartedDto } from './dto/data-export.dto.js';

@ApiTags('users')
@Controller()
export class DataExportsController {
  constructor(private readonly exports: DataExportsService) {}

  @Post('users/me/export')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({
    summary: 'Export your data: a background job writes a zip archive; `export.finished` on your user room says when it is ready',
    description:
      'The archive holds profile.json, conversations.json, messages.json (every message you sent), reactions.json, uploads.json and ' +
      'your uploads themselves under uploads/. Audited as `user.exported`. One export at a time: kept for EXPORT_TTL once finished.',
  })
  @ApiAcceptedResponse({ type: ExportStartedDto })
  @ApiErrors({ 409: 'An export of yours is still pending: its id is `details[0].message` (field `exportId`)' })
  start(@CurrentActor() actor: Actor) {
    return this.exports.start(actor);
  }

  @Get('users/me/export/:id')
  @Authenticated()
  @ApiOperation({ summary: 'Where an export of yours stands; when `ready`, a fresh signed URL to its archive' })
  @ApiOkResponse({ type: DataExportDto })
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such export, not yours, or deleted after EXPORT_TTL' })
  status(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.exports.status(user, id);
  }

  @Get('exports/:id/signed')
  @Public()
  @ApiOperation({
    summary: 'Download an export archive through its signed URL (no token)',
    description: 'The URL comes whole from `GET /users/me/export/{id}`: bound to the export and its owner, valid for MEDIA_URL_TTL.',
  })
  @ApiQuery({ name: 'expires', required: true, description: 'Unix time (seconds) the URL expires at', schema: { type: 'string', pattern: '^\\d+$' } })
  @ApiQuery({ name: 'scope', required: true, description: '`u.<userId>`: the owner', schema: { type: 'string' } })
  @ApiQuery({ name: 'signature', required: true, description: 'HMAC-SHA256 of the rest, base64url', schema: { type: 'string' } })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The zip archive, `content-disposition: attachment`',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiResponse({
    status: 403,
    description: '`URL_EXPIRED`: the URL is past its expiry; get a fresh one from `GET /users/me/export/{id}`',
    type: ErrorEnvelopeDto,
  })
  @ApiErrors({ 400: 'The id is not a UUID', 404: 'A malformed or tampered URL, or the export is not ready or was deleted' })
  async download(@UuidParam('id') id: string, @Signature() signature: SignedQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const download = await this.exports.download(id, signature);
    void reply.headers({
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${download.filename}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      ...(download.size === null ? {} : { 'content-length': String(download.size) }),
    });
    return new StreamableFile(download.body as never);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { DraftListQuery, DraftPageDto, DraftRefQuery, SaveDraftDto } from './dto/draft.dto.js';
import { DraftsService } from './drafts.service.js';

@ApiTags('conversations')
@Authenticated()
@Controller()
export class DraftsController {
  constructor(private readonly drafts: DraftsService) {}

  @Put('conversations/:id/draft')
  @HttpCode(204)
  @ApiOperation({ summary: 'Save your draft in a conversation, or in one of its threads (`threadRootId`); a send there clears it' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Invalid body, or a `threadRootId` that is not a message of this conversation', 404: 'No such conversation, or not a member' })
  save(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: SaveDraftDto) {
    return this.drafts.save(user, id, dto.content, dto.threadRootId);
  }

  @Delete('conversations/:id/draft')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete your draft in a conversation (or, with `?threadRootId=`, in one of its threads); idempotent' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID, or a `threadRootId` that is not a message of this conversation', 404: 'No such conversation, or not a member' })
  remove(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Query() query: DraftRefQuery) {
    return this.drafts.remove(user, id, query.threadRootId);
  }

  @Get('drafts')
  @ApiOperation({ summary: 'Your drafts, the most recently changed first' })
  @ApiOkResponse({ type: DraftPageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  list(@CurrentUser() user: AuthUser, @Query() query: DraftListQuery) {
    return this.drafts.list(user, query);
  }
}

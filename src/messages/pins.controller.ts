import { Controller, Delete, Get, HttpCode, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { PageQuery } from '../common/pagination/page-query.dto.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { MessagePageDto } from './dto/message.dto.js';
import { PinsService } from './pins.service.js';

@ApiTags('messages')
@Authenticated()
@Controller('conversations/:id/pins')
export class PinsController {
  constructor(private readonly pins: PinsService) {}

  @Put(':messageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Pin a message to the conversation (idempotent); groups: owner or admin, direct: either member' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID',
    403: 'A plain member of a group; or BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
    409: 'The message was deleted',
  })
  pin(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string) {
    return this.pins.pin(user, id, messageId);
  }

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unpin a message (idempotent); groups: owner or admin, direct: either member' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID',
    403: 'A plain member of a group; or BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
  })
  unpin(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string) {
    return this.pins.unpin(user, id, messageId);
  }

  @Get()
  @ApiOperation({ summary: "The conversation's pinned messages, the most recently pinned first" })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`', 404: 'No such conversation, or not a member' })
  list(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Query() query: PageQuery) {
    return this.pins.list(user, id, query);
  }
}

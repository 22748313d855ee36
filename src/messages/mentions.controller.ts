import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { PageQuery } from '../common/pagination/page-query.dto.js';
import { MessagePageDto } from './dto/message.dto.js';
import { MentionsService } from './mentions.service.js';

@ApiTags('messages')
@Authenticated()
@Controller('mentions')
export class MentionsController {
  constructor(private readonly mentions: MentionsService) {}

  @Get()
  @ApiOperation({ summary: "Messages that mention you, newest first, in the conversations you're in" })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery) {
    return this.mentions.list(user, query);
  }
}

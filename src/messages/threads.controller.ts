import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { ThreadListDto, ThreadPageDto } from './dto/message.dto.js';
import { ThreadListQuery, ThreadQuery, ThreadReadDto } from './dto/thread.query.js';
import { ThreadsService } from './threads.service.js';

@ApiTags('messages')
@Authenticated()
@Controller()
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Get('conversations/:id/messages/:messageId/thread')
  @ApiOperation({ summary: "A thread: its root and a page of its replies by seq, ascending (a reply's id opens the thread it is in)" })
  @ApiOkResponse({ type: ThreadPageDto })
  @ApiErrors({ 400: 'Invalid `after` or `limit`', 404: 'No such conversation or message, or not a member' })
  thread(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string, @Query() query: ThreadQuery) {
    return this.threads.thread(user, id, messageId, query);
  }

  @Post('conversations/:id/messages/:messageId/thread/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move your read marker of the thread forward (a lower seq changes nothing)' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Invalid `seq`',
    403: 'BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
  })
  markRead(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string, @Body() dto: ThreadReadDto) {
    return this.threads.markRead(user, id, messageId, dto.seq);
  }

  @Get('threads')
  @ApiOperation({ summary: 'The threads you started, replied in or were mentioned in, the most recently active first, with unread replies' })
  @ApiOkResponse({ type: ThreadListDto })
  @ApiErrors({ 400: 'Invalid `conversationId`, `limit` or `cursor`', 404: '`conversationId` is not a conversation of the caller' })
  list(@CurrentUser() user: AuthUser, @Query() query: ThreadListQuery) {
    return this.threads.list(user, query);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { PageQuery } from '../common/pagination/page-query.dto.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { ScheduleMessageDto, UpdateScheduledDto } from './dto/schedule-message.dto.js';
import { ScheduledMessageDto, ScheduledMessagePageDto } from './dto/scheduled-message.dto.js';
import { ScheduledService } from './scheduled.service.js';

@ApiTags('integrations')
@Authenticated()
@Controller('conversations/:id/scheduled')
export class ConversationScheduledController {
  constructor(private readonly scheduled: ScheduledService) {}

  @Post()
  @ApiOperation({
    summary:
      'Schedule a message: sent at `sendAt` through the normal send path, once; scheduling again with the same `clientMessageId` answers the first (200)',
  })
  @ApiCreatedResponse({ type: ScheduledMessageDto })
  @ApiOkResponse({ type: ScheduledMessageDto, description: 'Already scheduled with this `clientMessageId`' })
  @ApiErrors({
    400: 'Invalid body, or `sendAt` not in the future or beyond SCHEDULED_MESSAGE_MAX_AHEAD',
    403: 'You may not post there (a block, a read-only role)',
    404: 'No such conversation (or not yours to see)',
    409: 'SCHEDULED_MESSAGES_PER_USER messages already wait',
  })
  async schedule(
    @CurrentUser() caller: AuthUser,
    @UuidParam('id') id: string,
    @Body() dto: ScheduleMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { scheduled, created } = await this.scheduled.schedule(caller, id, dto);
    void reply.status(created ? 201 : 200);
    return scheduled;
  }
}

@ApiTags('integrations')
@Authenticated()
@Controller('scheduled')
export class ScheduledController {
  constructor(private readonly scheduled: ScheduledService) {}

  @Get()
  @ApiOperation({ summary: 'Your scheduled messages, every status, by `sendAt`' })
  @ApiOkResponse({ type: ScheduledMessagePageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  list(@CurrentUser() caller: AuthUser, @Query() query: PageQuery) {
    return this.scheduled.list(caller, query);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the text or the time of a scheduled message that is still pending' })
  @ApiOkResponse({ type: ScheduledMessageDto })
  @ApiErrors({ 400: 'Invalid body or `sendAt`', 404: 'No such scheduled message of yours', 409: 'Already sending, sent or failed' })
  update(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string, @Body() dto: UpdateScheduledDto) {
    return this.scheduled.update(caller, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a scheduled message that is still pending' })
  @ApiNoContentResponse()
  @ApiErrors({ 404: 'No such scheduled message of yours', 409: 'Already sending, sent or failed' })
  remove(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string) {
    return this.scheduled.remove(caller, id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { EditMessageDto } from './dto/edit-message.dto.js';
import { HistoryQuery } from './dto/history.query.js';
import { MessageDto, MessageHistoryDto, MessagePageDto, ReactionSummaryDto } from './dto/message.dto.js';
import { SearchMessagesQuery } from './dto/search-messages.query.js';
import { ForwardMessageDto, SendMessageDto } from './dto/send-message.dto.js';
import { MessagesService } from './messages.service.js';
import { Heavy } from '../common/concurrency/heavy-requests.js';
import { ApiMetadataBody } from '../common/metadata/metadata.js';

@ApiTags('messages')
@Authenticated()
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post('conversations/:id/messages')
  @ApiOperation({ summary: 'Send a message; the same `clientMessageId` again answers 200 with the first message' })
  @ApiCreatedResponse({ type: MessageDto, description: 'Sent' })
  @ApiOkResponse({ type: MessageDto, description: 'Already sent with this `clientMessageId`: the first message' })
  @ApiErrors({
    400: 'Invalid body, no content nor attachments, unknown attachment, or a reply to a message of another conversation',
    403: '`BLOCKED`: one of the two users of this direct conversation blocked the other; `MESSAGE_REJECTED`: the pre-send hook refused it',
    404: 'No such conversation, or not a member',
    429: 'More than `MESSAGE_RATE_LIMIT` messages in 10 s',
  })
  async send(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: SendMessageDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { message, created } = await this.messages.send(user, id, dto, 'rest');
    void reply.status(created ? 201 : 200);
    return message;
  }

  @Post('conversations/:id/messages/:messageId/forward')
  @ApiOperation({ summary: 'Forward a message into another conversation you may post in; the same `clientMessageId` again answers 200 with the first copy' })
  @ApiCreatedResponse({ type: MessageDto, description: 'Forwarded: the new message in the target conversation, with `forwardedFrom`' })
  @ApiOkResponse({ type: MessageDto, description: 'Already forwarded with this `clientMessageId`: the first copy' })
  @ApiErrors({
    400: 'Invalid body',
    403: '`BLOCKED`: the target is a direct conversation with a block',
    404: 'No such conversation or message, or not a member of either conversation',
    409: 'The message was deleted',
    429: 'More than `MESSAGE_RATE_LIMIT` messages in 10 s',
  })
  async forward(
    @CurrentUser() user: AuthUser,
    @UuidParam('id') id: string,
    @UuidParam('messageId') messageId: string,
    @Body() dto: ForwardMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { message, created } = await this.messages.forward(user, id, messageId, dto, 'rest');
    void reply.status(created ? 201 : 200);
    return message;
  }

  @Get('conversations/:id/messages')
  @Heavy()
  @ApiOperation({ summary: 'A page of history by seq, ascending: the newest page, or before/after a seq' })
  @ApiOkResponse({ type: MessageHistoryDto })
  @ApiErrors({ 400: 'Invalid `before`, `after` or `limit`, or both cursors', 404: 'No such conversation, or not a member' })
  history(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Query() query: HistoryQuery) {
    return this.messages.history(user, id, query);
  }

  @Patch('conversations/:id/messages/:messageId')
  @ApiOperation({ summary: 'Edit the text of your own message' })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors({
    400: 'Invalid content',
    403: 'Not the sender; or BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
    409: 'The message was deleted',
  })
  edit(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string, @Body() dto: EditMessageDto) {
    return this.messages.edit(user, id, messageId, dto);
  }

  @Patch('conversations/:id/messages/:messageId/metadata')
  @ApiOperation({ summary: "Set or delete keys of your message's custom metadata; answers the whole object" })
  @ApiMetadataBody()
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true, example: { 'crm.id': 'A-1042', tier: 'gold' } },
    description: 'The metadata after the change',
  })
  @ApiErrors({
    400: 'Not an object, a key that does not match the pattern, or more than 8 KiB of JSON',
    403: 'Not the sender; or BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
    409: 'The message was deleted',
  })
  updateMetadata(
    @CurrentUser() user: AuthUser,
    @UuidParam('id') id: string,
    @UuidParam('messageId') messageId: string,
    @Body() patch: Record<string, unknown>,
  ) {
    return this.messages.updateMetadata(user, id, messageId, patch);
  }

  @Delete('conversations/:id/messages/:messageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a message, leaving a tombstone; the sender, a conversation owner/admin or a global admin' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID', 403: 'Not allowed to delete this message', 404: 'No such conversation or message, or not a member' })
  remove(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string) {
    return this.messages.remove(user, id, messageId);
  }

  @Put('conversations/:id/messages/:messageId/reactions/:emoji')
  @HttpCode(200)
  @ApiOperation({
    summary: 'React with an emoji (idempotent)',
    description: "Answers the message's reactions as the caller now sees them (`me`), the same shape as the `reaction.updated` event, to draw at once.",
  })
  @ApiParam({ name: 'emoji', description: 'URL-encoded: an emoji, or a `:shortcode:`, at most 32 characters' })
  @ApiOkResponse({ type: ReactionSummaryDto })
  @ApiErrors({
    400: 'Not an emoji',
    403: 'BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
    409: 'The message was deleted (`CONFLICT`), or it carries `REACTIONS_PER_MESSAGE` distinct emoji and this one is new (`REACTION_LIMIT`)',
  })
  react(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string, @Param('emoji') emoji: string) {
    return this.messages.react(user, id, messageId, emoji);
  }

  @Delete('conversations/:id/messages/:messageId/reactions/:emoji')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take back a reaction (idempotent)' })
  @ApiParam({ name: 'emoji', description: 'URL-encoded: an emoji, or a `:shortcode:`, at most 32 characters' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not an emoji',
    403: 'BLOCKED: a block stands in this direct conversation',
    404: 'No such conversation or message, or not a member',
    409: 'The message was deleted',
  })
  unreact(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('messageId') messageId: string, @Param('emoji') emoji: string) {
    return this.messages.unreact(user, id, messageId, emoji);
  }

  @Get('messages/search')
  @Heavy()
  @ApiOperation({ summary: "Messages matching `q` in the caller's conversations, newest first" })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors({ 400: 'Missing or too long `q`, invalid `limit` or `cursor`', 404: '`conversationId` is not a conversation of the caller' })
  search(@CurrentUser() user: AuthUser, @Query() query: SearchMessagesQuery) {
    return this.messages.search(user, query);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { ConversationListQuery, UpdateOwnStateDto } from './dto/own-state.dto.js';
import { ApiMetadataBody } from '../common/metadata/metadata.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { ConversationsService } from './conversations.service.js';
import { ConversationDetailDto, ConversationPageDto } from './dto/conversation.dto.js';
import { type CreateConversationDto, CreateConversationPipe, CreateDirectConversationDto, CreateGroupConversationDto } from './dto/create-conversation.dto.js';
import { AddMembersDto, MarkReadDto, MarkDeliveredDto, MuteMemberDto, UpdateMemberDto } from './dto/members.dto.js';
import { UpdateConversationDto } from './dto/update-conversation.dto.js';

const NOT_A_MEMBER = 'No such conversation, or not a member';
const MEMBERSHIP_LIMITED =
  '`RATE_LIMITED`: over THROTTLE_LIMIT requests, or over MEMBERSHIP_CHANGE_LIMIT membership changes a minute by the caller; see `retry-after`';

@ApiTags('conversations')
@Authenticated()
@Controller('conversations')
@ApiExtraModels(CreateDirectConversationDto, CreateGroupConversationDto)
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post()
  @ApiOperation({ summary: 'Open the direct conversation with a user (201 new, 200 existing) or create a group' })
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(CreateDirectConversationDto) }, { $ref: getSchemaPath(CreateGroupConversationDto) }] } })
  @ApiCreatedResponse({ type: ConversationDetailDto, description: 'Created' })
  @ApiOkResponse({ type: ConversationDetailDto, description: 'The direct conversation with this user already existed' })
  @ApiErrors({
    400: 'Invalid body, a direct conversation with yourself, or unknown members',
    403: '`BLOCKED`: one of the two users blocked the other',
    404: 'No such user (direct)',
  })
  async create(@CurrentUser() user: AuthUser, @Body(CreateConversationPipe) dto: CreateConversationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    if (dto.type === 'group') return this.conversations.createGroup(user, dto);
    const { conversation, created } = await this.conversations.openDirect(user, dto);
    void reply.status(created ? 201 : 200);
    return conversation;
  }

  @Get()
  @ApiOperation({ summary: "The caller's conversations: pinned first, then the most recently active; `?archived=true` for the archived ones" })
  @ApiOkResponse({ type: ConversationPageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  list(@CurrentUser() user: AuthUser, @Query() query: ConversationListQuery) {
    return this.conversations.list(user, query);
  }

  @Patch(':id/metadata')
  @ApiOperation({ summary: "Set or delete keys of a conversation's custom metadata (groups: owner or admin; direct: either member); answers the whole object" })
  @ApiMetadataBody()
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true, example: { 'crm.id': 'A-1042', tier: 'gold' } },
    description: 'The metadata after the change',
  })
  @ApiErrors({
    400: 'Not an object, a key that does not match the pattern, or more than 8 KiB of JSON',
    403: 'A plain member of a group; or BLOCKED: a block stands in this direct conversation',
    404: NOT_A_MEMBER,
  })
  updateMetadata(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() patch: Record<string, unknown>) {
    return this.conversations.updateMetadata(user, id, patch);
  }

  @Patch(':id/members/:userId/metadata')
  @ApiOperation({
    summary: "Set or delete keys of a member's custom metadata (the member; in a group also the owner, and admins for plain members); answers the whole object",
  })
  @ApiMetadataBody()
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true, example: { 'crm.id': 'A-1042', tier: 'gold' } },
    description: 'The metadata after the change',
  })
  @ApiErrors({
    400: 'Not an object, a key that does not match the pattern, or more than 8 KiB of JSON',
    403: "Someone else's metadata without the role for it; or BLOCKED: a block stands in this direct conversation",
    404: `${NOT_A_MEMBER}; or the user is not a member`,
  })
  updateMemberMetadata(
    @CurrentUser() user: AuthUser,
    @UuidParam('id') id: string,
    @UuidParam('userId') userId: string,
    @Body() patch: Record<string, unknown>,
  ) {
    return this.conversations.updateMemberMetadata(user, id, userId, patch);
  }

  @Patch(':id/me')
  @ApiOperation({ summary: 'Your own view of a conversation: mute (optionally until a time), archive, hide, pin, notification level' })
  @ApiOkResponse({ type: ConversationDetailDto })
  @ApiErrors({ 400: 'Invalid body, or a `mutedUntil` in the past', 404: NOT_A_MEMBER })
  updateOwnState(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: UpdateOwnStateDto) {
    return this.conversations.updateOwnState(user, id, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A conversation with its members' })
  @ApiOkResponse({ type: ConversationDetailDto })
  @ApiErrors({ 400: 'Not a UUID', 404: NOT_A_MEMBER })
  get(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.conversations.get(user, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename a group, set its mode (`open`, `announcements`) or slow mode; its owner or an admin; mode and slow-mode changes are audited',
  })
  @ApiOkResponse({ type: ConversationDetailDto })
  @ApiErrors({
    400: 'Invalid title, mode or slowModeSeconds (0–21600), or none of them',
    403: 'Not an owner or admin, or a direct conversation',
    404: NOT_A_MEMBER,
  })
  rename(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @Body() dto: UpdateConversationDto) {
    return this.conversations.update(actor, id, dto);
  }

  @Put(':id/members/:userId/mute')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Mute a member (they read, but their sends answer 403 `MUTED`), optionally until a time; the owner anyone, an admin plain members; audited',
  })
  @ApiBody({ type: MuteMemberDto, required: false })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID, an `until` that is not a future ISO-8601 time, or yourself',
    403: 'Not the owner or an admin, an admin muting the owner or an admin, or a direct conversation',
    404: `${NOT_A_MEMBER}; or the user is not a member`,
  })
  mute(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @UuidParam('userId') userId: string, @Body() dto: MuteMemberDto) {
    return this.conversations.mute(actor, id, userId, dto ?? {});
  }

  @Delete(':id/members/:userId/mute')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unmute a member (204 also when they were not muted); the owner anyone, an admin plain members; audited' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID, or yourself',
    403: 'Not the owner or an admin, an admin unmuting the owner or an admin, or a direct conversation',
    404: `${NOT_A_MEMBER}; or the user is not a member`,
  })
  unmute(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @UuidParam('userId') userId: string) {
    return this.conversations.unmute(actor, id, userId);
  }

  @Post(':id/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to a group; its owner or an admin' })
  @ApiOkResponse({ type: ConversationDetailDto })
  @ApiErrors({
    400: 'Invalid body, unknown users, or more than 256 members',
    403: 'Not an owner or admin, or a direct conversation',
    404: NOT_A_MEMBER,
    429: MEMBERSHIP_LIMITED,
  })
  addMembers(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: AddMembersDto) {
    return this.conversations.addMembers(user, id, dto);
  }

  @Patch(':id/members/:userId')
  @ApiOperation({ summary: "Make a member admin or an admin member again; the group's owner only" })
  @ApiOkResponse({ type: ConversationDetailDto })
  @ApiErrors({
    400: "Invalid role, or the owner's own role",
    403: 'Not the owner, or a direct conversation',
    404: `${NOT_A_MEMBER}; or the user is not a member`,
    429: MEMBERSHIP_LIMITED,
  })
  setRole(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('userId') userId: string, @Body() dto: UpdateMemberDto) {
    return this.conversations.setRole(user, id, userId, dto);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave a group (your own id), or remove someone: the owner anyone, an admin plain members' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID',
    403: 'Not allowed to remove this member, or a direct conversation',
    404: `${NOT_A_MEMBER}; or the user is not a member`,
    429: `${MEMBERSHIP_LIMITED} (removing someone else; leaving is never limited)`,
  })
  removeMember(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @UuidParam('userId') userId: string) {
    return this.conversations.removeMember(user, id, userId);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move the read marker forward (never back)' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Invalid seq', 403: 'BLOCKED: a block stands in this direct conversation', 404: NOT_A_MEMBER })
  markRead(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: MarkReadDto) {
    return this.conversations.markRead(user, id, dto.seq);
  }

  @Post(':id/delivered')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Move the delivered marker forward (never back)',
    description:
      'The REST form of the socket event `message.delivered`: the caller has received messages up to `seq`. Moving the read marker moves this one too.',
  })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Invalid seq', 403: 'BLOCKED: a block stands in this direct conversation', 404: NOT_A_MEMBER })
  markDelivered(@CurrentUser() user: AuthUser, @UuidParam('id') id: string, @Body() dto: MarkDeliveredDto) {
    return this.conversations.markDelivered(user, id, dto.seq);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Patch, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { ApiMetadataBody } from '../common/metadata/metadata.js';
import { MeDto } from './dto/me.dto.js';
import { ProfileDto, ProfilePageDto } from './dto/profile.dto.js';
import { SearchUsersQuery } from './dto/search-users.query.js';
import { UpdateMeDto } from './dto/update-me.dto.js';
import { UserBlocks } from './user-blocks.service.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Authenticated()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly blocks: UserBlocks,
  ) {}

  @Get('me')
  @ApiOperation({ summary: "The caller's own account" })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser) {
    return this.users.me(user);
  }

  @Patch('me')
  @ApiOperation({ summary: 'Change the display name, status text or avatar; any other field is refused' })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors({ 400: 'Invalid value, or a field that may not be changed here (`role`, `email`, `banned`, …)' })
  updateMe(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto) {
    return this.users.updateMe(user, dto);
  }

  @Patch('me/metadata')
  @ApiOperation({ summary: 'Set or delete keys of your custom metadata; answers the whole object' })
  @ApiMetadataBody()
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true, example: { 'crm.id': 'A-1042', tier: 'gold' } },
    description: 'The metadata after the change',
  })
  @ApiErrors({ 400: 'Not an object, a key that does not match the pattern, or more than 8 KiB of JSON' })
  updateMetadata(@CurrentUser() user: AuthUser, @Body() patch: Record<string, unknown>) {
    return this.users.updateMetadata(user, patch);
  }

  @Get()
  @ApiOperation({ summary: 'Users whose username or display name starts with `search` (any case), by username' })
  @ApiOkResponse({ type: ProfilePageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  search(@Query() query: SearchUsersQuery) {
    return this.users.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: "A user's public profile, with presence" })
  @ApiOkResponse({ type: ProfileDto })
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such user' })
  profile(@UuidParam('id') id: string) {
    return this.users.profile(id);
  }

  @Put(':id/block')
  @HttpCode(204)
  @ApiOperation({ summary: 'Block a user: no direct messages or new direct conversations between you' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID, or yourself', 404: 'No such user' })
  block(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.blocks.block(user, id);
  }

  @Delete(':id/block')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unblock a user (a no-op when not blocked)' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID' })
  unblock(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.blocks.unblock(user, id);
  }
}

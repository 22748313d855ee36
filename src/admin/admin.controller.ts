import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { Actor } from '../audit/audit.types.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminUsersService } from './admin-users.service.js';
import { AdminStatsDto } from './dto/admin-stats.dto.js';
import { AdminUserSearchQuery } from './dto/admin-user-search.query.js';
import { AdminUserDto, AdminUserPageDto } from './dto/admin-user.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';

@ApiTags('admin')
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly statistics: AdminStatsService,
  ) {}

  @Get('users')
  @ApiOperation({ summary: 'Every user, banned ones included, by username; `search` matches a prefix of email, username or display name' })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  searchUsers(@CurrentUser() caller: AuthUser, @Query() query: AdminUserSearchQuery) {
    return this.users.search(caller, query);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's role or ban state; a ban revokes every session and disconnects every socket at once; audited" })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiErrors({ 400: 'Invalid body, or banning/demoting yourself', 404: 'No such user', 409: 'The account was deleted: it stays banned, its role fixed' })
  updateUser(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(actor, id, dto);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts for the dashboard' })
  @ApiOkResponse({ type: AdminStatsDto })
  stats(@CurrentUser() caller: AuthUser) {
    return this.statistics.stats(caller);
  }
}

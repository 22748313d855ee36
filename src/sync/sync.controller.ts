import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { SyncQuery, SyncResultDto } from './dto/sync.dto.js';
import { SyncService } from './sync.service.js';
import { Heavy } from '../common/concurrency/heavy-requests.js';

@ApiTags('sync')
@Authenticated()
@Controller('sync')
export class SyncController {
  constructor(private readonly syncs: SyncService) {}

  @Get()
  @Heavy()
  @ApiOperation({
    summary: 'Everything that happened in your conversations since `since`, oldest first, as the realtime events carried it',
    description:
      'Call on every (re)connect with the last cursor you stored, and again while `hasMore`. Without `since`: no events, just the current cursor. ' +
      'A malformed, unknown or too old cursor (see SYNC_RETENTION) answers `resyncRequired: true` with the current cursor.',
  })
  @ApiOkResponse({ type: SyncResultDto })
  @ApiErrors({ 400: 'Invalid `limit`' })
  sync(@CurrentUser() user: AuthUser, @Query() query: SyncQuery) {
    return this.syncs.sync(user, query);
  }
}

import { Body, Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import { Client } from '../auth/client-info.js';
import type { ClientInfo } from '../auth/session.repository.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { AuthRateLimit } from '../common/rate-limits/rate-limit.decorators.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { AccountDeletionService } from './account-deletion.service.js';
import { DeleteAccountDto } from './dto/delete-account.dto.js';

@Controller()
export class AccountDeletionController {
  constructor(private readonly deletion: AccountDeletionService) {}

  @Delete('users/me')
  @HttpCode(202)
  @ApiTags('users')
  @Authenticated()
  @AuthRateLimit()
  @ApiOperation({
    summary: 'Delete your account: sessions revoked at once, profile erased, uploads removed by a job; messages stay, shown as "Deleted user"',
  })
  @ApiAcceptedResponse({ description: 'Deleted; the uploads go in the background, the username is freed after ACCOUNT_USERNAME_HOLD' })
  @ApiErrors({
    400: 'Invalid body, or `password` is wrong',
    429: 'Too many attempts from this address, or this address must wait after wrong passwords (`retry-after`)',
  })
  deleteOwn(@CurrentUser() user: AuthUser, @Body() dto: DeleteAccountDto, @Client() client: ClientInfo) {
    return this.deletion.deleteOwn(user, dto, client);
  }

  @Delete('admin/users/:id')
  @HttpCode(202)
  @ApiTags('admin')
  @Roles('admin')
  @ApiOperation({ summary: "Delete a user's account as `DELETE /users/me` does, audited as `user.deleted`; deleting a deleted account changes nothing" })
  @ApiAcceptedResponse({ description: 'Deleted (or already deleted)' })
  @ApiErrors({ 400: 'Not a UUID, or your own account (use DELETE /users/me)', 404: 'No such user' })
  deleteByAdmin(@CurrentActor() actor: Actor, @UuidParam('id') id: string) {
    return this.deletion.deleteByAdmin(actor, id);
  }
}

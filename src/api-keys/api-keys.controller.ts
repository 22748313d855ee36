import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';

/** Key management needs a signed-in session: no API key can mint, list or revoke keys (ROUTE_SCOPES). */
@ApiTags('integrations')
@Authenticated()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Mint an API key with scopes (and an expiry); the secret is in this answer only. `botId`: an admin mints it for a bot (audited)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors({
    400: 'Invalid body: an unknown or repeated scope, `admin` for a non-admin, an expiry not in the future',
    403: '`botId` from someone who is not an admin',
    404: 'No such bot',
    409: 'The account already has API_KEYS_PER_USER keys',
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Your unrevoked keys and those you minted for bots, newest first, never their secrets' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@CurrentUser() caller: AuthUser) {
    return this.keys.list(caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key at once: its next request answers 401 and its sockets are disconnected everywhere' })
  @ApiNoContentResponse()
  @ApiErrors({ 404: 'No such unrevoked key of yours (admins: of a bot)' })
  revoke(@CurrentActor() actor: Actor, @UuidParam('id') id: string) {
    return this.keys.revoke(actor, id);
  }
}

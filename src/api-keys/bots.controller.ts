import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import { Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { ProfileDto } from '../users/dto/profile.dto.js';
import { BotsService } from './bots.service.js';
import { CreateBotDto } from './dto/create-bot.dto.js';

class CreatedBotDto {
  @ApiProperty({ type: ProfileDto, description: 'The bot, `isBot: true`' })
  user: ProfileDto;
}

@ApiTags('admin')
@Roles('admin')
@Controller('admin/bots')
export class BotsController {
  constructor(private readonly bots: BotsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a bot account (it cannot sign in; mint it API keys with `POST /api-keys` and `botId`); audited' })
  @ApiCreatedResponse({ type: CreatedBotDto })
  @ApiErrors({ 400: 'Invalid body', 409: 'The username is taken' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateBotDto) {
    return this.bots.create(actor, dto);
  }
}

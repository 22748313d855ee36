import { Body, Controller, HttpCode, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import { Authenticated, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { RetentionPolicyDto, SetRetentionDto } from './dto/retention.dto.js';
import { RetentionService } from './retention.service.js';

@Controller()
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Put('admin/retention')
  @HttpCode(200)
  @ApiTags('admin')
  @Roles('admin')
  @ApiOperation({ summary: 'Set how many days messages are kept service-wide (null: forever); a scheduled job deletes older ones' })
  @ApiOkResponse({ type: RetentionPolicyDto })
  @ApiErrors({ 400: '`days` missing, not a whole number, or outside 1–36500' })
  setGlobal(@CurrentActor() actor: Actor, @Body() dto: SetRetentionDto) {
    return this.retention.setGlobal(actor, dto);
  }

  @Put('conversations/:id/retention')
  @HttpCode(200)
  @ApiTags('conversations')
  @Authenticated()
  @ApiOperation({
    summary: "Override how many days this conversation's messages are kept (groups: owner or admin; direct: either member); null follows the global policy",
  })
  @ApiOkResponse({ type: RetentionPolicyDto })
  @ApiErrors({ 400: '`days` missing, not a whole number, or outside 1–36500', 403: 'A plain member of a group', 404: 'Not a member, or no such conversation' })
  setForConversation(@CurrentActor() actor: Actor, @UuidParam('id') conversationId: string, @Body() dto: SetRetentionDto) {
    return this.retention.setForConversation(actor, conversationId, dto);
  }
}

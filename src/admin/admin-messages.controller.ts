import { Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { Actor } from '../audit/audit.types.js';
import { Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { AdminMessagesService } from './admin-messages.service.js';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/messages')
export class AdminMessagesController {
  constructor(private readonly messages: AdminMessagesService) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete any message, leaving a tombstone as the sender deleting it would; audited as `message.deleted`' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such message' })
  remove(@CurrentActor() actor: Actor, @UuidParam('id') id: string) {
    return this.messages.remove(actor, id);
  }
}

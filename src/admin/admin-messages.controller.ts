import { Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { MessagesService } from '../messages/messages.service.js';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/messages')
export class AdminMessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete any message, leaving a tombstone as the sender deleting it would' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such message' })
  remove(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string) {
    return this.messages.removeAny(caller, id);
  }
}

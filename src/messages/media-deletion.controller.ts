import { Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { MediaDeletion } from './media-deletion.service.js';

@ApiTags('media')
@Authenticated()
@Controller('media')
export class MediaDeletionController {
  constructor(private readonly deletion: MediaDeletion) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an upload; its uploader only',
    description:
      'The upload leaves every message that carried it (forwarded copies too: each is announced with `message.updated`), and the avatar it was; ' +
      'its signed URLs answer 404 from then on and its bytes are removed from storage. Deleting it again answers 404.',
  })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Not a UUID',
    403: 'An upload you can see (it is attached in one of your conversations) but did not upload',
    404: 'No such upload, one you cannot see, or one already deleted',
  })
  remove(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.deletion.remove(user, id);
  }
}

import { BadRequestException, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-fastify/multipart';
import type { Observable } from 'rxjs';
import { ValidationFailed } from '../../common/errors/app.exception.js';

export const UPLOAD_FIELD = 'file';

/**
 * `FileInterceptor('file')` with the media module's engine and limits (see `MediaModule`), whose
 * refusals of the form itself — a second file, a file in another field, any text field, a malformed
 * body — answer 400 `VALIDATION_FAILED` naming the field. Whatever was stored by then is removed by the
 * interceptor.
 */
export class SingleFileUpload extends FileInterceptor(UPLOAD_FIELD) {
  override async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    try {
      return await super.intercept(context, next);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      throw new ValidationFailed(
        [{ field: UPLOAD_FIELD, message: `${error.message}: send exactly one file, in the field "${UPLOAD_FIELD}", and no other field` }],
        'The upload must be a multipart form with exactly one file, in the field "file"',
      );
    }
  }
}

import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception.js';

/** The media storage is full: nothing of the upload was kept; retrying later may work. */
export class InsufficientStorage extends AppException {
  constructor() {
    super(HttpStatus.INSUFFICIENT_STORAGE, 'INSUFFICIENT_STORAGE', 'There is no room left to store uploads; nothing was kept, try again later');
  }
}

import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailed } from '../errors/app.exception.js';

/** A UUID path parameter; anything else is a 400 in the envelope, naming the parameter. */
export const UuidParam = (name: string) =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => new ValidationFailed([{ field: name, message: `${name} must be a UUID` }]) }));

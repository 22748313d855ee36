import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidationFailed } from '../errors/app.exception.js';
import { UUID_EXAMPLE } from './field.decorators.js';

/**
 * A UUID path parameter; anything else is a 400 in the envelope, naming the parameter. It documents
 * itself (`format: uuid`, an example), so the document says what the pipe enforces.
 */
export const UuidParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    Param(name, new ParseUUIDPipe({ exceptionFactory: () => new ValidationFailed([{ field: name, message: `${name} must be a UUID` }]) }))(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
    ApiParam({ name, schema: { type: 'string', format: 'uuid' }, example: UUID_EXAMPLE })(target, key, descriptor);
  };

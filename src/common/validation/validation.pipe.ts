import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type ErrorDetail, ValidationFailed } from '../errors/app.exception.js';

/** Flattens class-validator's tree into one `{ field, message }` per broken rule, with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: unknownFieldMessage(message) }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

// class-validator says "property role should not exist"; say what the client can act on.
function unknownFieldMessage(message: string): string {
  const match = /^property (.+) should not exist$/.exec(message);
  return match ? `${match[1]} is not an accepted field` : message;
}

/** Strict by default: unknown fields are refused, values are converted to the declared types. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
}

import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
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

/**
 * Deeper than any body or socket payload of this API. class-transformer recurses once per level, so a
 * body of a few thousand nested arrays (8 KB of `[[[[…`) would overflow the stack: a 500 for anyone.
 */
export const MAX_NESTING = 32;

/** Whether `value` nests objects or arrays more than `limit` levels deep; iterative, so it can't overflow itself. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only what is about to go through class-transformer: not a gateway's socket argument, nor its raw
    // payload (the gateway validates that itself, through this pipe, and answers in the acknowledgement).
    if (metadata.metatype && this.toValidate(metadata) && nestsDeeperThan(value, MAX_NESTING)) {
      throw new ValidationFailed([{ field: metadata.data ?? metadata.type, message: `nested more than ${MAX_NESTING} levels deep` }], 'The request is nested too deeply');
    }
    return super.transform(value, metadata);
  }
}

/** Strict by default: unknown fields are refused, values are converted to the declared types, deep nesting is refused. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
}

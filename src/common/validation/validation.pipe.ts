import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type ErrorDetail, ValidationFailed } from '../errors/app.exception.js';
import { inputProblem, quotedKey } from './input-shape.js';

/**
 * The most details one answer lists. class-validator reports every broken rule; a body of many bad
 * fields must not be answered with a list the size of the body.
 */
export const MAX_DETAILS = 20;
/** Longest `message` of a detail: a message may quote a client's value or key. */
const MAX_DETAIL_MESSAGE = 300;

/** Flattens class-validator's tree into one `{ field, message }` per broken rule, with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${quotedKey(error.property)}` : quotedKey(error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: shortened(unknownFieldMessage(message)) }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

// class-validator says "property role should not exist"; say what the client can act on.
function unknownFieldMessage(message: string): string {
  const match = /^property (.+) should not exist$/.exec(message);
  return match ? `${quotedKey(match[1])} is not an accepted field` : message;
}

function shortened(message: string): string {
  return message.length > MAX_DETAIL_MESSAGE ? `${message.slice(0, MAX_DETAIL_MESSAGE)}…` : message;
}

/** At most `MAX_DETAILS` of them; the message says how many there were. */
export function validationFailure(details: ErrorDetail[]): ValidationFailed {
  if (details.length <= MAX_DETAILS) return new ValidationFailed(details);
  return new ValidationFailed(details.slice(0, MAX_DETAILS), `The request is not valid (the first ${MAX_DETAILS} of ${details.length} problems are listed)`);
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only what is about to go through class-transformer: not a gateway's socket argument, nor its raw
    // payload (the gateway validates that itself, through this pipe, and answers in the acknowledgement).
    // The shape is checked first, in one cheap walk, so class-transformer never sees a body it would
    // choke on (too deep, too wide) and no NUL character gets any further.
    if (metadata.metatype && this.toValidate(metadata)) {
      const problem = inputProblem(value, metadata.data ?? metadata.type);
      if (problem) throw new ValidationFailed([problem.detail], problem.summary);
    }
    return super.transform(value, metadata);
  }
}

/**
 * Strict by default: unknown fields are refused, values are converted to the declared types; deep or
 * wide input and NUL characters are refused before any of that (`inputProblem`).
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailure(flattenValidationErrors(errors)),
  });
}

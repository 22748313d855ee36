import type { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';

/**
 * Unique constraints a user can run into, by the name given in the entity, with what to tell them.
 * A violation of a constraint not listed here is a bug, and answers 500.
 */
const CONFLICT_MESSAGES = new Map<string, string>();

export function registerConflictMessage(constraint: string, message: string): void {
  CONFLICT_MESSAGES.set(constraint, message);
}

export function conflictMessageFor(error: QueryFailedError): string | undefined {
  const driverError = error.driverError as { code?: string; constraint?: string } | undefined;
  if (driverError?.code !== UNIQUE_VIOLATION || !driverError.constraint) return undefined;
  return CONFLICT_MESSAGES.get(driverError.constraint);
}

/** Whether the error is a violation of this unique constraint (a race the caller answers itself). */
export function violatesUnique(error: unknown, constraint: string): boolean {
  const driverError = (error as QueryFailedError | undefined)?.driverError as { code?: string; constraint?: string } | undefined;
  return driverError?.code === UNIQUE_VIOLATION && driverError.constraint === constraint;
}

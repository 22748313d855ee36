import type { ResponseLike } from './openapi-responses.js';

/** A stack frame (`at fn (file:///…/x.js:1:2)`, `at node:internal/…:3:4`). */
const STACK_FRAME = /\bat (?:async )?[^\s()]*\s?\(?(?:file:|node:|\/)[^\s)]*:\d+:\d+/;
/** Things an error body must never carry: stack frames, SQL, driver and runtime internals, paths. */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', STACK_FRAME],
  ['SQL', /\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/],
  ['a TypeORM error', /QueryFailedError|EntityNotFound|TypeORMError/],
  ['a module path', /node_modules|dist\/src|\/work\//],
  ['a JavaScript error', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError): /],
  ['a PostgreSQL error', /\bviolates\b.*\bconstraint\b|invalid input syntax for/],
];

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const ENVELOPE_KEYS = ['statusCode', 'error', 'code', 'message', 'details', 'requestId'];

/**
 * What every answer of this API must be, whatever was sent: never a 5xx, always an `x-request-id`, every
 * error in the contract's envelope (`{ statusCode, error, code, message, details?, requestId }`, `code`
 * UPPER_SNAKE, `requestId` the header's), and no error body leaking a stack, SQL or internals.
 * Empty when all holds.
 */
export function invariantProblems(response: ResponseLike): string[] {
  const problems: string[] = [];
  const requestId = response.headers['x-request-id'];
  if (response.statusCode >= 500) problems.push(`answered ${response.statusCode}`);
  if (typeof requestId !== 'string' || !requestId) problems.push('no x-request-id header');
  if (response.statusCode < 400) return problems;
  for (const [what, pattern] of LEAKS) if (pattern.test(response.body)) problems.push(`the error body leaks ${what}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return [...problems, 'the error body is not JSON'];
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'the error body is not an object'];
  const extra = Object.keys(body).filter((key) => !ENVELOPE_KEYS.includes(key));
  if (extra.length) problems.push(`the envelope has extra keys: ${extra.join(', ')}`);
  if (body.statusCode !== response.statusCode) problems.push(`envelope statusCode ${String(body.statusCode)} ≠ ${response.statusCode}`);
  if (typeof body.error !== 'string' || !body.error) problems.push('envelope error is not a reason phrase');
  if (typeof body.code !== 'string' || !UPPER_SNAKE.test(body.code)) problems.push(`envelope code ${JSON.stringify(body.code)} is not UPPER_SNAKE`);
  if (typeof body.message !== 'string' || !body.message) problems.push('envelope message is missing');
  if (body.requestId !== requestId) problems.push(`envelope requestId ${String(body.requestId)} ≠ x-request-id ${String(requestId)}`);
  if (body.details !== undefined && !validDetails(body.details)) problems.push('envelope details is not [{ field, message }]');
  if (response.statusCode >= 500 && body.code !== 'INTERNAL' && body.code !== 'SERVICE_UNAVAILABLE')
    problems.push(`a ${response.statusCode} with code ${String(body.code)}`);
  return problems.map((problem) => `${problem} — ${truncate(response.body)}`);
}

function validDetails(details: unknown): boolean {
  return Array.isArray(details) && details.every((detail) => detail && typeof detail.field === 'string' && typeof detail.message === 'string');
}

function truncate(text: string, length = 400): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

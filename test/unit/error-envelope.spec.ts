import { BadRequestException, ForbiddenException, InternalServerErrorException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { Conflict, NotFound, RateLimited, ValidationFailed } from '../../src/common/errors/app.exception.js';
import { isDatabaseUnavailable, toErrorEnvelope } from '../../src/common/errors/error-envelope.js';
import { registerConflictMessage } from '../../src/common/errors/unique-constraints.js';
import { DependencyUnavailableError } from '../../src/shared-state/shared-state.js';

const REQUEST_ID = 'req-1';

describe('toErrorEnvelope', () => {
  it('keeps the code, message and details of domain exceptions', () => {
    const { body, serverFault } = toErrorEnvelope(new ValidationFailed([{ field: 'email', message: 'email must be an email' }]), REQUEST_ID);
    expect(serverFault).toBe(false);
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION_FAILED',
      message: 'The request is not valid',
      details: [{ field: 'email', message: 'email must be an email' }],
      requestId: REQUEST_ID,
    });
  });

  it('gives each status its stable code', () => {
    expect(toErrorEnvelope(new NotFound('Conversation'), REQUEST_ID).body).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'Conversation not found',
    });
    expect(toErrorEnvelope(new Conflict('taken'), REQUEST_ID).body).toMatchObject({ statusCode: 409, code: 'CONFLICT' });
    expect(toErrorEnvelope(new RateLimited(5), REQUEST_ID).body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests' });
    expect(toErrorEnvelope(new ForbiddenException(), REQUEST_ID).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect(toErrorEnvelope(new BadRequestException('nope'), REQUEST_ID).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('hides everything about unexpected errors', () => {
    const { body, serverFault } = toErrorEnvelope(new Error('SELECT * FROM secrets failed at line 3'), REQUEST_ID);
    expect(serverFault).toBe(true);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'INTERNAL',
      message: 'Something went wrong on our side',
      requestId: REQUEST_ID,
    });
    expect(toErrorEnvelope(new InternalServerErrorException('db password is hunter2'), REQUEST_ID).body.message).not.toContain('hunter2');
  });

  it('answers 503 when the database or Redis is unreachable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toErrorEnvelope(refused, REQUEST_ID).body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(toErrorEnvelope(new Error('Connection terminated unexpectedly'), REQUEST_ID).body.statusCode).toBe(503);
    expect(toErrorEnvelope(new DependencyUnavailableError('redis'), REQUEST_ID).body).toMatchObject({
      statusCode: 503,
      message: 'The redis is unavailable, try again shortly',
    });
  });

  it('maps a known unique constraint to 409 and an unknown one to 500', () => {
    registerConflictMessage('thing_name_uq', 'That name is taken');
    const violation = (constraint: string) => new QueryFailedError('INSERT …', [], Object.assign(new Error('duplicate key'), { code: '23505', constraint }));
    expect(toErrorEnvelope(violation('thing_name_uq'), REQUEST_ID).body).toMatchObject({ statusCode: 409, code: 'CONFLICT', message: 'That name is taken' });
    expect(toErrorEnvelope(violation('something_else'), REQUEST_ID).body.statusCode).toBe(500);
  });

  it('recognises connection failures wrapped by TypeORM', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(isDatabaseUnavailable(new Error('syntax error at or near'))).toBe(false);
  });
});

import { Logger } from '@nestjs/common';
import { NotFound, RateLimited, ValidationFailed } from '../../src/common/errors/app.exception.js';
import { DependencyUnavailableError } from '../../src/shared-state/shared-state.js';
import { toFailedAck } from '../../src/realtime/acks.js';
import { CLIENT_EVENT_METHODS, ChatGateway, eventArguments } from '../../src/realtime/chat.gateway.js';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../../src/realtime/events.map.js';
import { isOriginAllowed } from '../../src/realtime/socket-io.adapter.js';
import { TokenBucket } from '../../src/common/rate-limits/token-bucket.js';

describe('the realtime event map', () => {
  it('has a gateway method for every client event, and none for an event it does not list', () => {
    expect(Object.keys(CLIENT_EVENT_METHODS).sort()).toEqual(Object.keys(CLIENT_EVENTS).sort());
    for (const method of Object.values(CLIENT_EVENT_METHODS)) expect(typeof ChatGateway.prototype[method]).toBe('function');
  });

  it('hands a handler the payload and the acknowledgement as Socket.IO passes them', () => {
    const ack = () => undefined;
    expect(eventArguments([{ a: 1 }, ack])).toEqual({ payload: { a: 1 }, ack });
    expect(eventArguments([{ a: 1 }])).toEqual({ payload: { a: 1 } });
    expect(eventArguments([ack])).toEqual({ payload: undefined, ack });
    expect(eventArguments([1, 2, ack])).toEqual({ payload: [1, 2], ack });
    expect(eventArguments([1, 2])).toEqual({ payload: [1, 2] });
  });

  it('never uses one name in both directions', () => {
    expect(Object.keys(SERVER_EVENTS).filter((name) => name in CLIENT_EVENTS)).toEqual([]);
  });
});

describe('the Socket.IO origin check', () => {
  const request = (origin: string | undefined, host = 'chat.example:3000') => ({ headers: { ...(origin ? { origin } : {}), host } });

  it('lets in clients that send no Origin (apps, servers: the token authenticates them)', () => {
    expect(isOriginAllowed(request(undefined), [])).toBe(true);
  });

  it('lets in configured origins, any origin with *, and the server’s own origin', () => {
    expect(isOriginAllowed(request('https://app.example'), ['https://app.example'])).toBe(true);
    expect(isOriginAllowed(request('https://anything.example'), ['*'])).toBe(true);
    expect(isOriginAllowed(request('http://chat.example:3000'), [])).toBe(true);
  });

  it('refuses other origins and origins that are not URLs', () => {
    expect(isOriginAllowed(request('https://evil.example'), ['https://app.example'])).toBe(false);
    expect(isOriginAllowed(request('https://app.example.evil.example'), ['https://app.example'])).toBe(false);
    expect(isOriginAllowed(request('null'), [])).toBe(false);
  });
});

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refuses with the seconds to wait', () => {
    const limiter = new TokenBucket(3, 1);
    const now = Date.now();
    expect([1, 2, 3].map(() => limiter.take(now).allowed)).toEqual([true, true, true]);
    expect(limiter.take(now)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at its rate, never above its capacity', () => {
    const limiter = new TokenBucket(2, 10);
    const now = Date.now();
    limiter.take(now);
    limiter.take(now);
    expect(limiter.take(now).allowed).toBe(false);
    expect(limiter.take(now + 100).allowed).toBe(true);
    expect([1, 2, 3].map(() => limiter.take(now + 60_000).allowed)).toEqual([true, true, false]);
  });
});

describe('acknowledgements of failed client events', () => {
  const logger = new Logger('test');
  const logged: unknown[] = [];
  logger.error = (...args: unknown[]) => void logged.push(args);
  const ack = (error: unknown) => toFailedAck(error, logger, { event: 'message.send', userId: 'u' });

  it('answers validation errors with VALIDATION_FAILED naming the fields, with details like REST', () => {
    const details = [{ field: 'conversationId', message: 'conversationId must be a UUID' }];
    const failed = ack(new ValidationFailed(details));
    expect(failed).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: 'The request is not valid: conversationId: conversationId must be a UUID', details },
    });
  });

  it('answers NOT_FOUND, and RATE_LIMITED with retryAfter', () => {
    expect(ack(new NotFound('Conversation'))).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Conversation not found' } });
    expect(ack(new RateLimited(7))).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfter: 7 } });
  });

  it('answers SERVICE_UNAVAILABLE while Redis or the database is away', () => {
    expect(ack(new DependencyUnavailableError('redis'))).toMatchObject({ ok: false, error: { code: 'SERVICE_UNAVAILABLE' } });
    expect(ack(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatchObject({
      ok: false,
      error: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('answers anything unexpected with INTERNAL and no details, and logs it', () => {
    logged.length = 0;
    const failed = ack(new TypeError("Cannot read properties of undefined (reading 'password_hash')"));
    expect(failed).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
    expect(logged).toHaveLength(1);
  });
});

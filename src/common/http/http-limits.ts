import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config.js';
import { AppException, PayloadTooLarge } from '../errors/app.exception.js';
import { toErrorEnvelope } from '../errors/error-envelope.js';

/**
 * How much of a JSON body over the limit is still read (and thrown away) before the answer, so that a
 * client that writes its whole body before reading gets the 413 instead of a connection reset: closing
 * a socket with unread bytes resets it, and the client loses the answer. Past this, the connection is
 * closed after the answer.
 */
export const OVERSIZED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;

/** The body arrived too slowly: the connection is closed. */
export class RequestTimeout extends AppException {
  constructor(message: string) {
    super(HttpStatus.REQUEST_TIMEOUT, 'REQUEST_TIMEOUT', message);
  }
}

/**
 * Node's own time bounds of an HTTP connection, as Fastify options. Fastify turns Node's request timeout
 * off by default, so a client sending a byte now and then held a connection (and a file descriptor)
 * forever: ~1,000 of them made the server unreachable.
 */
export function httpServerOptions(http: AppConfig['http']) {
  return {
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    // Node checks the header and request deadlines every `connectionsCheckingInterval` (30 s by
    // default), which would let a connection outlive a 20-second header deadline by half a minute.
    http: { headersTimeout: Math.min(http.headersTimeoutMs, http.requestTimeoutMs), connectionsCheckingInterval: 1_000 },
  };
}

const isMultipart = (request: FastifyRequest) => /^multipart\//i.test(request.headers['content-type'] ?? '');

function answer(request: FastifyRequest, reply: FastifyReply, error: AppException) {
  const { body } = toErrorEnvelope(error, String(request.id));
  return reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
}

function tooLarge(limitBytes: number): PayloadTooLarge {
  return new PayloadTooLarge(`The request body is larger than the limit of ${limitBytes} bytes`);
}

/**
 * A body without a declared length, passed on up to `limitBytes`; beyond that it is read and dropped
 * up to the drain bound, and the stream fails with 413 when the body ends (or the bound is reached),
 * so the answer is sent once the client has finished writing.
 */
class BoundedBody extends Transform {
  private received = 0;

  constructor(private readonly limitBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.received += chunk.length;
    if (this.received <= this.limitBytes) return callback(null, chunk);
    if (this.received > this.limitBytes + OVERSIZED_BODY_DRAIN_BYTES) return callback(Object.assign(tooLarge(this.limitBytes), { statusCode: 413 }));
    callback();
  }

  override _flush(callback: TransformCallback) {
    callback(this.received > this.limitBytes ? Object.assign(tooLarge(this.limitBytes), { statusCode: 413 }) : null);
  }
}

/** The body through `BoundedBody`; an error of the request itself (the client went away) fails it too. */
function bounded(payload: NodeJS.ReadableStream, limitBytes: number): BoundedBody {
  const body = new BoundedBody(limitBytes);
  payload.once('error', (error) => body.destroy(error));
  return payload.pipe(body);
}

/**
 * JSON bodies over `limitBytes` are answered 413 in the envelope, in a way an ordinary client reads:
 * - with a `content-length` over the limit, at once, before reading any of it; Node then reads and drops
 *   the rest (up to the drain bound; beyond it the connection closes after the answer);
 * - without one (chunked), after reading and dropping up to the drain bound past the limit.
 * Uploads (multipart) have their own limit, enforced while they stream (src/media/upload).
 */
export function answerOversizedBodies(fastify: FastifyInstance, limitBytes: number): void {
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    // Fastify never parses the body of a GET or HEAD (it is dropped), and uploads have their own limit.
    if (request.method === 'GET' || request.method === 'HEAD' || isMultipart(request)) return done(null, payload);
    const declared = Number(request.headers['content-length']);
    if (Number.isNaN(declared)) return done(null, request.headers['transfer-encoding'] ? bounded(payload, limitBytes) : payload);
    if (declared <= limitBytes) return done(null, payload);
    if (declared > limitBytes + OVERSIZED_BODY_DRAIN_BYTES) void reply.header('connection', 'close');
    void answer(request, reply, tooLarge(limitBytes));
  });
}

interface Receiving {
  socket: NonNullable<IncomingMessage['socket']>;
  reply: FastifyReply;
  request: FastifyRequest;
  windowStart: number;
  bytesAtWindowStart: number;
}

/**
 * Every request body must bring at least `bytes` in every `windowSeconds` (`HTTP_MIN_BODY_RATE`), JSON
 * and uploads alike; a slower one is answered 408 `REQUEST_TIMEOUT` and its connection closed. A
 * window in which the server itself did not read (the body waits, unread, in the request's buffer) is
 * not held against the client.
 */
export function cutOffSlowBodies(fastify: FastifyInstance, rate: AppConfig['http']['minBodyRate']): void {
  if (!rate) return;
  const windowMs = rate.windowSeconds * 1000;
  const receiving = new Map<IncomingMessage, Receiving>();
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const [raw, entry] of receiving) {
        if (raw.complete || raw.destroyed) {
          receiving.delete(raw);
          continue;
        }
        if (now - entry.windowStart < windowMs) continue;
        const bytes = entry.socket.bytesRead - entry.bytesAtWindowStart;
        if (bytes < rate.bytes && raw.readableLength === 0) {
          receiving.delete(raw);
          cutOff(entry, rate);
          continue;
        }
        entry.windowStart = now;
        entry.bytesAtWindowStart = entry.socket.bytesRead;
      }
    },
    Math.max(100, Math.min(1_000, windowMs / 4)),
  ).unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    const hasBody = Number(request.headers['content-length']) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && raw.socket && !raw.complete) {
      receiving.set(raw, { socket: raw.socket, reply, request, windowStart: Date.now(), bytesAtWindowStart: raw.socket.bytesRead });
      raw.once('close', () => receiving.delete(raw));
    }
    done();
  });
}

function cutOff({ socket, reply, request }: Receiving, rate: NonNullable<AppConfig['http']['minBodyRate']>) {
  const error = new RequestTimeout(`The request body arrived slower than ${rate.bytes} bytes per ${rate.windowSeconds} s`);
  if (!reply.raw.headersSent) {
    const { body } = toErrorEnvelope(error, String(request.id));
    reply.hijack();
    reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close', 'x-request-id': String(request.id) });
    reply.raw.end(JSON.stringify(body));
  }
  // Whatever the client still sends is not read: the connection goes once the answer is out.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RangeNotSatisfiable, RateLimited } from './app.exception.js';
import { toErrorEnvelope } from './error-envelope.js';

/** Every HTTP error leaves through here, in the contract's envelope; 500s are logged, never described. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, serverFault } = toErrorEnvelope(exception, String(request.id));
    if (serverFault) {
      this.logger.error({ err: exception, requestId: request.id }, `Unhandled error on ${request.method} ${request.url}`);
    }
    if (exception instanceof RateLimited) reply.header('retry-after', String(exception.retryAfterSeconds));
    if (exception instanceof RangeNotSatisfiable) reply.header('content-range', `bytes */${exception.size}`);
    void reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}

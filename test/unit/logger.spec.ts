import { Writable } from 'node:stream';
import { pino } from 'pino';
import Fastify from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { REDACTED_PATHS } from '../../src/observability/logger.js';
import { registerRequestLogContext, requestLogMixin } from '../../src/observability/request-log-context.js';

describe('log redaction', () => {
  it('never writes credentials, wherever they sit in a logged object', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      body: { password: 'hunter22', refreshToken: 'r-123', accessToken: 'a-456' },
      change: { currentPassword: 'old-pass', newPassword: 'new-pass' },
    });
    const written = lines.join('');
    for (const secret of ['abc.def.ghi', 'sid=1', 'hunter22', 'r-123', 'a-456', 'old-pass', 'new-pass']) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('[redacted]');
  });
});

describe('request logging context', () => {
  it("gives what Nest's logger writes during a request that request's id, across awaits", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info', mixin: requestLogMixin }, sink);
    const fastify = Fastify({ genReqId: () => `req-${lines.length}` });
    registerRequestLogContext(fastify);
    const nestLogger = new PinoLogger({ pinoHttp: { logger } });
    fastify.get('/', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      nestLogger.info('inside');
      return { ok: true };
    });
    await fastify.inject({ url: '/' });
    nestLogger.info('outside');
    await fastify.close();
    logger.info('plain pino, outside');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'inside', requestId: 'req-0' }),
      expect.not.objectContaining({ requestId: expect.anything() }),
      expect.not.objectContaining({ requestId: expect.anything() }),
    ]);
  });
});

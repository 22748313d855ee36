import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from '../../src/observability/logger.js';

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

import { pino, type Logger as PinoInstance } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { requestLogMixin } from './request-log-context.js';

/** Never written to a log, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  'headers.authorization',
];

/** The one pino logger of the process: JSON lines, or pretty output when LOG_PRETTY asks for it. */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logPretty'>): PinoInstance {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'chat-backend' },
    mixin: requestLogMixin,
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(config.logPretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  });
}

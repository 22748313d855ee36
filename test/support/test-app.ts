import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { loadConfig } from '../../src/config/app-config.js';
import { createApp, type RunningApp } from '../../src/app.factory.js';
import { recordAnswers, reportProblems } from './documented-answers.js';
import type { OpenApiDocument } from './openapi-responses.js';

export interface TestApp extends RunningApp {
  app: NestFastifyApplication;
  /** Base URL when started with `listen: true`. */
  url: string;
}

/**
 * Boots the real application on the run's database (and on Redis when the run has REDIS_URL).
 * `env` overrides configuration the way the environment would.
 */
export async function startTestApp(env: Record<string, string> = {}, options: { listen?: boolean; checkAnswers?: boolean } = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    // High enough that suites never trip it by accident; throttling tests set their own.
    THROTTLE_LIMIT: '100000',
    AUTH_THROTTLE_LIMIT: '100000',
    LOGIN_MAX_FAILURES: '1000',
    HANDSHAKE_RATE_LIMIT: '100000',
    HANDSHAKE_USER_RATE_LIMIT: '100000',
    MEMBERSHIP_CHANGE_LIMIT: '100000',
    PRESENCE_EVENT_LIMIT: '100000',
    SOCKETS_PER_USER: '1000',
    // Presence suites watch offline announcements; the grace is attacked in amplification.e2e-spec.
    PRESENCE_OFFLINE_GRACE: '0',
    MESSAGE_RATE_LIMIT: '100000',
    TYPING_RATE_LIMIT: '100000',
    MEDIA_DIR: process.env.TEST_MEDIA_DIR ?? `${process.env.TMPDIR ?? '/tmp'}/chat-test-media`,
    ...env,
  });
  // Every app registers its metrics in prom-client's one global registry, and closing an app doesn't
  // take them out: without this, a second app in the same suite fails to start. The previous app's
  // metrics stop being served, which no test of two apps at once looks at.
  register.clear();
  const running = await createApp(config);
  // Every answer of the suite is checked against the document when the app closes (opt out only for a
  // suite that breaks the app on purpose).
  const answers = options.checkAnswers === false ? undefined : recordAnswers(running.app);
  const close = async () => {
    let problems: string[] = [];
    if (answers) {
      const served = await running.app.inject({ method: 'GET', url: '/docs/openapi.json' }).catch(() => undefined);
      if (served?.statusCode === 200) problems = answers.problems(served.json() as OpenApiDocument);
    }
    await running.close();
    reportProblems(problems);
  };
  let url = '';
  if (options.listen) {
    await running.app.listen({ port: 0, host: '127.0.0.1' });
    url = await running.app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');
  } else {
    await running.app.init();
    await running.app.getHttpAdapter().getInstance().ready();
  }
  return { ...running, close, url };
}

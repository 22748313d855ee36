/**
 * `npm run seed`: builds the demo world (src/seed/demo-world.ts) in the configured database — DATABASE_URL,
 * or the embedded one under DATA_DIR — through the app's own REST API, in this process (nothing listens),
 * then prints how to sign in. Running it again adds nothing (but sign-ins).
 */
import type { FastifyInstance } from 'fastify';
import { createApp } from '../app.factory.js';
import { loadConfig } from '../config/app-config.js';
import { ConfigError } from '../config/env-readers.js';
import { DataDirInUse } from '../database/data-dir-lock.js';
import { EventLog } from '../events/event-log.service.js';
import { type DemoApi, DemoWorldRefused, seedDemoWorld } from './demo-world.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The seed is one client sending thousands of requests: the limits meant for people don't apply to it. */
const SEED_LIMITS = { THROTTLE_LIMIT: '1000000', AUTH_THROTTLE_LIMIT: '1000', MESSAGE_RATE_LIMIT: '1000000' };

async function main(): Promise<number> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, ...SEED_LIMITS });
  const running = await createApp(config);
  try {
    await running.app.init();
    const fastify = running.app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
    await fastify.ready();
    const api: DemoApi = async (method, path, options = {}) => {
      const headers: Record<string, string> = { 'user-agent': 'chat-backend seed' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let payload: string | Buffer | undefined;
      if (options.multipart) {
        headers['content-type'] = `multipart/form-data; boundary=${options.multipart.boundary}`;
        payload = options.multipart.payload;
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(options.body);
      }
      const response = await fastify.inject({ method, url: `/api/v1${path}`, headers, payload });
      return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
    };
    say(`Seeding the demo world into ${config.databaseUrl ? 'DATABASE_URL' : `the embedded database in ${config.dataDir}`} …`);
    const world = await seedDemoWorld(api, (message) => say(`  ${message}`));
    // Sequence the last events before the database goes away, so the first server start has none left to do.
    await running.app.get(EventLog).flush();
    say(
      world.sent
        ? `Done: ${world.users.length} users, ${world.conversations} conversations, ${world.messages} messages, an image.`
        : 'The demo world was already complete: nothing to add.',
    );
    const origin = `http://localhost:${config.port}`;
    say('');
    say(`Start the server (npm start) and sign in as any of them with the password "${world.password}":`);
    for (const user of world.users) say(`  ${user.email.padEnd(24)} ${user.displayName}`);
    say('');
    say(`  curl -s ${origin}/api/v1/auth/login -H 'content-type: application/json' \\`);
    say(`    -d '{"email":"${world.users[0].email}","password":"${world.password}"}'`);
    say(`API docs: ${origin}/docs`);
    return 0;
  } finally {
    await running.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof DataDirInUse || error instanceof DemoWorldRefused)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}

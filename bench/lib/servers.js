// The processes under test, each pinned to the server core: the built app (candidate) and the baselines.
import { join } from 'node:path';
import { BENCH_DIR, ROOT, SERVER_CPU, freePort, spawnPinned, waitForHttp } from './common.js';

/** High enough that no limit is ever reached: the benchmark measures the work, not the limiter. */
export const UNLIMITED = {
  THROTTLE_LIMIT: '100000000',
  AUTH_THROTTLE_LIMIT: '100000000',
  LOGIN_MAX_FAILURES: '100000000',
  MESSAGE_RATE_LIMIT: '100000000',
  TYPING_RATE_LIMIT: '100000000',
  HANDSHAKE_RATE_LIMIT: '100000000',
  HANDSHAKE_USER_RATE_LIMIT: '100000000',
  MEMBERSHIP_CHANGE_LIMIT: '100000000',
  PRESENCE_EVENT_LIMIT: '100000000',
  SOCKETS_PER_USER: '100000',
  HEAVY_REQUESTS_PER_USER: '100000',
};

async function started(child, port) {
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health/live`, child);
  return { child, port, url, pid: child.pid, stop: () => child.stop() };
}

/** The real server, `dist/src/main.js`, as `npm start` runs it, in production mode. */
export function startApp(name, settings, extraEnv = {}, nodeArgs = []) {
  return startAppBuiltIn(ROOT, name, settings, extraEnv, nodeArgs);
}

/** `startApp` of the build in another checkout (`root`, built with `npm run build`): for `bench/ab.js`. */
export async function startAppBuiltIn(root, name, settings, extraEnv = {}, nodeArgs = []) {
  const port = await freePort();
  const child = spawnPinned(name, SERVER_CPU, join(root, 'dist', 'src', 'main.js'), [], {
    nodeArgs,
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: settings.databaseUrl,
      JWT_SECRET: settings.jwtSecret,
      JWT_ACCESS_TTL: '3h',
      LOG_LEVEL: 'warn',
      MEDIA_DIR: settings.mediaDir,
      ...UNLIMITED,
      REDIS_URL: '',
      ...extraEnv,
    },
  });
  return started(child, port);
}

export async function startRawHttp(name, settings) {
  const port = await freePort();
  const child = spawnPinned(name, SERVER_CPU, join(BENCH_DIR, 'baselines', 'raw-http.js'), [], {
    env: { PORT: String(port), DATABASE_URL: settings.databaseUrl, JWT_SECRET: settings.jwtSecret },
  });
  return started(child, port);
}

/** NestJS on Fastify with one controller and nothing of ours: scenario 1's floor. */
export async function startBareNest(name) {
  const port = await freePort();
  const child = spawnPinned(name, SERVER_CPU, join(BENCH_DIR, 'baselines', 'bare-nest.js'), [], { env: { PORT: String(port), NODE_ENV: 'production' } });
  return started(child, port);
}

export async function startRawSocketIo(name, settings, { persist = false, nodeArgs = [] } = {}) {
  const port = await freePort();
  const child = spawnPinned(name, SERVER_CPU, join(BENCH_DIR, 'baselines', 'raw-socketio.js'), [], {
    nodeArgs,
    env: { PORT: String(port), DATABASE_URL: settings.databaseUrl, JWT_SECRET: settings.jwtSecret, BASELINE_PERSIST: persist ? '1' : '0' },
  });
  return started(child, port);
}

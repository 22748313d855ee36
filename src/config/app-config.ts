import { ConfigError, readBoolean, readDuration, readInteger, readList, readString, readUrl } from './env-readers.js';

export type NodeEnv = 'development' | 'production' | 'test';

/** The whole configuration, read once from the environment at start-up and never again. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Unset: the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  /** Unset: a single instance keeping shared state in memory. */
  redisUrl: string | undefined;
  jwt: {
    secret: string;
    /** true when no JWT_SECRET was given and the development default is in use. */
    isDevelopmentSecret: boolean;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  media: { dir: string; maxBytes: number; orphanTtlSeconds: number; userQuotaBytes: number };
  corsOrigins: string[];
  trustProxy: boolean;
  logLevel: string;
  logPretty: boolean;
  admin: { email: string; password: string } | undefined;
  throttle: {
    /** Requests per minute per user, or per IP when anonymous. */
    limit: number;
    /** Signup, login and refresh per minute per IP. */
    authLimit: number;
    /** Failed logins per account per 15 minutes. */
    loginMaxFailures: number;
    /** Messages per user per 10 s, REST and socket together. */
    messageLimit: number;
    /** Typing events per user per 10 s. */
    typingLimit: number;
  };
  syncRetentionSeconds: number;
  shutdownTimeoutMs: number;
  jobs: {
    /** false: this instance enqueues jobs but runs none (no workers, no cron, no queue upkeep). */
    workers: boolean;
    /** How often an idle worker asks the queue for a job. */
    pollIntervalMs: number;
    /** How often the queue's upkeep runs: retrying jobs whose worker died or timed out, and cron (at most 30 s). */
    superviseIntervalSeconds: number;
    /** Connections of the job queue's own pool, beside DATABASE_POOL_SIZE. */
    poolSize: number;
  };
}

const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = readString(env, 'NODE_ENV', { default: 'development', oneOf: ['development', 'production', 'test'] }) as NodeEnv;
  const jwtSecret = readString(env, 'JWT_SECRET', { required: nodeEnv === 'production', minLength: 32 });
  const adminEmail = readString(env, 'ADMIN_EMAIL');
  const adminPassword = readString(env, 'ADMIN_PASSWORD', { minLength: 8, maxLength: 128 });
  if (Boolean(adminEmail) !== Boolean(adminPassword)) {
    throw new ConfigError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'must be set together with the other of ADMIN_EMAIL / ADMIN_PASSWORD');
  }
  const jobsSuperviseSeconds = readDuration(env, 'JOBS_SUPERVISE_INTERVAL', { default: '60s' });
  if (jobsSuperviseSeconds > 3600) throw new ConfigError('JOBS_SUPERVISE_INTERVAL', 'must be at most 1h');
  return {
    nodeEnv,
    port: readInteger(env, 'PORT', { default: 3000, min: 0, max: 65535 }),
    host: readString(env, 'HOST', { default: '0.0.0.0' })!,
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: readString(env, 'DATA_DIR', { default: './data' })!,
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', { default: 10, min: 1, max: 200 }),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    jwt: {
      secret: jwtSecret ?? DEVELOPMENT_JWT_SECRET,
      isDevelopmentSecret: !jwtSecret,
      accessTtlSeconds: readDuration(env, 'JWT_ACCESS_TTL', { default: '15m' }),
      refreshTtlSeconds: readDuration(env, 'JWT_REFRESH_TTL', { default: '30d' }),
    },
    media: {
      dir: readString(env, 'MEDIA_DIR', { default: './data/media' })!,
      maxBytes: readInteger(env, 'MEDIA_MAX_BYTES', { default: 25 * 1024 * 1024, min: 1 }),
      orphanTtlSeconds: readDuration(env, 'MEDIA_ORPHAN_TTL', { default: '24h' }),
      userQuotaBytes: readInteger(env, 'MEDIA_USER_QUOTA_BYTES', { default: 1024 * 1024 * 1024, min: 1 }),
    },
    corsOrigins: readList(env, 'CORS_ORIGINS'),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    logLevel: readString(env, 'LOG_LEVEL', { default: nodeEnv === 'test' ? 'warn' : 'info', oneOf: LOG_LEVELS })!,
    logPretty: readBoolean(env, 'LOG_PRETTY', false),
    admin: adminEmail && adminPassword ? { email: adminEmail.toLowerCase(), password: adminPassword } : undefined,
    throttle: {
      limit: readInteger(env, 'THROTTLE_LIMIT', { default: 300, min: 1 }),
      authLimit: readInteger(env, 'AUTH_THROTTLE_LIMIT', { default: 20, min: 1 }),
      loginMaxFailures: readInteger(env, 'LOGIN_MAX_FAILURES', { default: 10, min: 1 }),
      messageLimit: readInteger(env, 'MESSAGE_RATE_LIMIT', { default: 50, min: 1 }),
      typingLimit: readInteger(env, 'TYPING_RATE_LIMIT', { default: 20, min: 1 }),
    },
    syncRetentionSeconds: readDuration(env, 'SYNC_RETENTION', { default: '30d' }),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 100 }),
    jobs: {
      workers: readBoolean(env, 'JOBS_WORKERS', true),
      pollIntervalMs: readInteger(env, 'JOBS_POLL_INTERVAL_MS', { default: 2_000, min: 500, max: 60_000 }),
      superviseIntervalSeconds: jobsSuperviseSeconds,
      poolSize: readInteger(env, 'JOBS_POOL_SIZE', { default: 4, min: 2, max: 100 }),
    },
  };
}

import { ConfigError, readBoolean, readDuration, readInteger, readList, readRate, readString, readUrl } from './env-readers.js';
import { readTrustProxy, type TrustProxy } from './trust-proxy.js';

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
  /** Longest a statement may run, and a transaction may sit idle, on every pooled connection (ms). */
  databaseStatementTimeoutMs: number;
  databaseIdleInTransactionTimeoutMs: number;
  /** Unset: a single instance keeping shared state in memory. */
  redisUrl: string | undefined;
  jwt: {
    /** Empty until `createApp` read or made `DATA_DIR/jwt-secret`, when `secretFromDataDir`. */
    secret: string;
    /** No JWT_SECRET was given (never in production): the secret is generated once and kept in DATA_DIR. */
    secretFromDataDir: boolean;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    /** How long a just-spent refresh token may be presented again for the same new pair (0: never). */
    refreshRetryGraceSeconds: number;
  };
  http: {
    /** The whole request (headers and body) must have arrived within this long (ms). */
    requestTimeoutMs: number;
    /** The headers must have arrived within this long (ms). */
    headersTimeoutMs: number;
    /** An idle keep-alive connection is closed after this long (ms). */
    keepAliveTimeoutMs: number;
    /** A connection on which nothing moves either way for this long is closed (ms). */
    idleTimeoutMs: number;
    /** A request body must bring at least `bytes` in every `windowSeconds`; null: no minimum. */
    minBodyRate: { bytes: number; windowSeconds: number } | null;
  };
  /** Heavy requests (search, sync, history, uploads) one user may have in flight on one instance. */
  heavyRequestsPerUser: number;
  media: {
    dir: string;
    maxBytes: number;
    orphanTtlSeconds: number;
    userQuotaBytes: number;
    /** Longest a signed media URL stays valid (`MEDIA_URL_TTL`); see src/media/media-urls.ts. */
    urlTtlSeconds: number;
    /** `MEDIA_URL_SECRET`; unset: a key derived from the JWT secret. */
    urlSecret: string | undefined;
  };
  /** `API_KEY_SECRET`, the HMAC key of stored API key hashes; unset: a key derived from the JWT secret. */
  apiKeySecret: string | undefined;
  corsOrigins: string[];
  trustProxy: TrustProxy;
  logLevel: string;
  logPretty: boolean;
  admin: { email: string; password: string } | undefined;
  throttle: {
    /** Requests per minute per user, or per IP when anonymous. */
    limit: number;
    /** Signup, login and refresh per minute per IP. */
    authLimit: number;
    /** Failed password checks per account and address per 15 minutes before that address waits. */
    loginMaxFailures: number;
    /** Failed password checks per account from all addresses per 15 minutes before unknown addresses wait from their first failure. */
    loginAccountMaxFailures: number;
    /** The first wait after too many failures, doubled after each further one, up to `loginDelayMaxMs`. */
    loginDelayBaseMs: number;
    loginDelayMaxMs: number;
    /** Messages per user per 10 s, REST and socket together. */
    messageLimit: number;
    /** Typing events per user per 10 s. */
    typingLimit: number;
    /** Socket handshakes per minute per client address, and per user. */
    handshakesPerAddress: number;
    handshakesPerUser: number;
    /** Membership changes (add, role, remove) per minute per acting user. */
    membershipChangeLimit: number;
    /** `presence` announcements per user per minute; over it, only the latest state goes out when the minute ends. */
    presenceEventLimit: number;
  };
  caps: {
    /** Distinct emoji on one message. */
    reactionsPerMessage: number;
    /** Sockets one user may have connected at once, on every instance together. */
    socketsPerUser: number;
    /** Unrevoked API keys one user (or bot) may have. */
    apiKeysPerUser: number;
    /** Scheduled messages one user may have waiting to be sent. */
    scheduledPerUser: number;
    /** How far ahead a message may be scheduled (s). */
    scheduleAheadSeconds: number;
  };
  /** How long a user's last socket may be gone before the user is announced offline (a reconnect within it announces nothing). */
  presenceOfflineGraceMs: number;
  syncRetentionSeconds: number;
  shutdownTimeoutMs: number;
  /** Swagger UI and the OpenAPI and AsyncAPI documents under /docs. */
  docsEnabled: boolean;
  metrics: {
    /** Set: /metrics is served on this port only (and answers 404 on the app's port). */
    port: number | undefined;
    host: string;
    /** Set: /metrics wants `Authorization: Bearer <token>`. */
    token: string | undefined;
  };
  accounts: {
    /** How long a deleted account keeps its username before anyone may take it. */
    usernameHoldSeconds: number;
  };
  exports: {
    /** How long a finished data export (its archive, or its failure) is kept (`EXPORT_TTL`). */
    ttlSeconds: number;
  };
  retention: {
    /** Messages deleted per transaction by the retention sweep. */
    batchSize: number;
  };
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
  webhooks: {
    /** Attempts per delivery, the first included; after the last failed one the delivery is `dead`. */
    maxAttempts: number;
    /** The longest one attempt may take (connect, send, answer). */
    timeoutMs: number;
    /** Wait before the first retry, in seconds (then doubled each time, with jitter), and the longest wait. */
    retryDelaySeconds: number;
    retryMaxDelaySeconds: number;
    /** How often each instance looks at the event log for events to dispatch, besides when it sequences some. */
    dispatchIntervalMs: number;
    /** Dead deliveries in a row (no success between) after which a webhook is disabled. */
    disableAfterDead: number;
  };
  linkPreviews: {
    /** false: messages get no previews, nothing is fetched. */
    enabled: boolean;
    /** The whole fetch of one page, redirects included. */
    timeoutMs: number;
    /** Bytes of a page read at most (the head is at its start). */
    maxBytes: number;
    /** How long a URL's preview (or its absence) is kept before it is fetched again. */
    cacheTtlSeconds: number;
    /** Addresses let through despite being private or loopback (tests; an internal proxy). Default none. */
    allowAddresses: string[];
  };
  preSendHook: {
    /** Set: every send is shown to this URL before it commits (approve, rewrite, reject). */
    url: string | undefined;
    timeoutMs: number;
    /** true (PRE_SEND_HOOK_FAIL=closed): a hook that fails refuses the send; false: the send goes through. */
    failClosed: boolean;
    secret: string | undefined;
  };
  push: {
    /** Set: messages to members with no live socket are POSTed here (the team's FCM/APNs relay). */
    relayUrl: string | undefined;
    /** Signs the relay's requests like webhooks (`x-chat-signature`). */
    relaySecret: string;
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `*` alone, or origins exactly as browsers send them (`https://app.example`, no path, no trailing slash). */
function readOrigins(env: NodeJS.ProcessEnv, name: string): string[] {
  const origins = readList(env, name);
  if (origins.includes('*') && origins.length > 1) throw new ConfigError(name, 'must be `*` alone, or a list of origins');
  for (const origin of origins.filter((entry) => entry !== '*')) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed?.origin !== origin) throw new ConfigError(name, `"${origin}" is not an origin like https://app.example (scheme, host, optional port; no path)`);
  }
  return origins;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = readString(env, 'NODE_ENV', { default: 'development', oneOf: ['development', 'production', 'test'] }) as NodeEnv;
  const jwtSecret = readString(env, 'JWT_SECRET', { required: nodeEnv === 'production', minLength: 32 });
  const databaseUrl = readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  // The embedded database is one process's files behind a local port: a development and test tool.
  if (nodeEnv === 'production' && !databaseUrl && !readBoolean(env, 'ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION', false)) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required in production (the embedded PostgreSQL is for development; set ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=true to run on it anyway)',
    );
  }
  const adminEmail = readString(env, 'ADMIN_EMAIL');
  const adminPassword = readString(env, 'ADMIN_PASSWORD', { minLength: 8, maxLength: 128 });
  if (Boolean(adminEmail) !== Boolean(adminPassword)) {
    throw new ConfigError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'must be set together with the other of ADMIN_EMAIL / ADMIN_PASSWORD');
  }
  const port = readInteger(env, 'PORT', { default: 3000, min: 0, max: 65535 });
  const host = readString(env, 'HOST', { default: '0.0.0.0' })!;
  const metricsPort = env.METRICS_PORT?.trim() ? readInteger(env, 'METRICS_PORT', { default: 0, min: 0, max: 65535 }) : undefined;
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) throw new ConfigError('METRICS_PORT', `must differ from PORT (both ${port})`);
  const loginDelayBaseMs = readDuration(env, 'LOGIN_DELAY_BASE', { default: '1s' }) * 1000;
  const loginDelayMaxMs = readDuration(env, 'LOGIN_DELAY_MAX', { default: '15m' }) * 1000;
  if (loginDelayMaxMs < loginDelayBaseMs) throw new ConfigError('LOGIN_DELAY_MAX', 'must be at least LOGIN_DELAY_BASE');
  const jobsSuperviseSeconds = readDuration(env, 'JOBS_SUPERVISE_INTERVAL', { default: '60s' });
  if (jobsSuperviseSeconds > 3600) throw new ConfigError('JOBS_SUPERVISE_INTERVAL', 'must be at most 1h');
  const webhookRetryDelay = readInteger(env, 'WEBHOOK_RETRY_DELAY_SECONDS', { default: 10, min: 1, max: 3600 });
  const webhookRetryMaxDelay = readInteger(env, 'WEBHOOK_RETRY_MAX_DELAY_SECONDS', { default: 3600, min: 1, max: 86_400 });
  if (webhookRetryMaxDelay < webhookRetryDelay) throw new ConfigError('WEBHOOK_RETRY_MAX_DELAY_SECONDS', 'must be at least WEBHOOK_RETRY_DELAY_SECONDS');
  const pushRelayUrl = readUrl(env, 'PUSH_RELAY_URL', ['http:', 'https:']);
  const pushRelaySecret = readString(env, 'PUSH_RELAY_SECRET', { required: pushRelayUrl !== undefined, minLength: 16 });
  const mediaUrlTtl = readDuration(env, 'MEDIA_URL_TTL', { default: '1h' });
  if (mediaUrlTtl < 60 || mediaUrlTtl > 7 * 24 * 3600) throw new ConfigError('MEDIA_URL_TTL', 'must be between 1m and 7d');
  return {
    nodeEnv,
    port,
    host,
    databaseUrl,
    dataDir: readString(env, 'DATA_DIR', { default: './data' })!,
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', { default: 10, min: 1, max: 200 }),
    databaseStatementTimeoutMs: readDuration(env, 'DATABASE_STATEMENT_TIMEOUT', { default: '10s' }) * 1000,
    databaseIdleInTransactionTimeoutMs: readDuration(env, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT', { default: '10s' }) * 1000,
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    jwt: {
      secret: jwtSecret ?? '',
      secretFromDataDir: !jwtSecret,
      accessTtlSeconds: readDuration(env, 'JWT_ACCESS_TTL', { default: '15m' }),
      refreshTtlSeconds: readDuration(env, 'JWT_REFRESH_TTL', { default: '30d' }),
      refreshRetryGraceSeconds: readDuration(env, 'JWT_REFRESH_RETRY_GRACE', { default: '30s', allowZero: true }),
    },
    http: {
      requestTimeoutMs: readDuration(env, 'HTTP_REQUEST_TIMEOUT', { default: '5m' }) * 1000,
      headersTimeoutMs: readDuration(env, 'HTTP_HEADERS_TIMEOUT', { default: '20s' }) * 1000,
      keepAliveTimeoutMs: readDuration(env, 'HTTP_KEEP_ALIVE_TIMEOUT', { default: '72s' }) * 1000,
      idleTimeoutMs: readDuration(env, 'HTTP_IDLE_TIMEOUT', { default: '2m' }) * 1000,
      minBodyRate: readRate(env, 'HTTP_MIN_BODY_RATE', { default: '8192/10s' }),
    },
    heavyRequestsPerUser: readInteger(env, 'HEAVY_REQUESTS_PER_USER', { default: 4, min: 1 }),
    media: {
      dir: readString(env, 'MEDIA_DIR', { default: './data/media' })!,
      maxBytes: readInteger(env, 'MEDIA_MAX_BYTES', { default: 25 * 1024 * 1024, min: 1 }),
      orphanTtlSeconds: readDuration(env, 'MEDIA_ORPHAN_TTL', { default: '24h' }),
      userQuotaBytes: readInteger(env, 'MEDIA_USER_QUOTA_BYTES', { default: 1024 * 1024 * 1024, min: 1 }),
      urlTtlSeconds: mediaUrlTtl,
      urlSecret: readString(env, 'MEDIA_URL_SECRET', { minLength: 32 }),
    },
    apiKeySecret: readString(env, 'API_KEY_SECRET', { minLength: 32 }),
    corsOrigins: readOrigins(env, 'CORS_ORIGINS'),
    trustProxy: readTrustProxy(env),
    logLevel: readString(env, 'LOG_LEVEL', { default: nodeEnv === 'test' ? 'warn' : 'info', oneOf: LOG_LEVELS })!,
    logPretty: readBoolean(env, 'LOG_PRETTY', false),
    admin: adminEmail && adminPassword ? { email: adminEmail.toLowerCase(), password: adminPassword } : undefined,
    throttle: {
      limit: readInteger(env, 'THROTTLE_LIMIT', { default: 300, min: 1 }),
      authLimit: readInteger(env, 'AUTH_THROTTLE_LIMIT', { default: 20, min: 1 }),
      loginMaxFailures: readInteger(env, 'LOGIN_MAX_FAILURES', { default: 10, min: 1 }),
      messageLimit: readInteger(env, 'MESSAGE_RATE_LIMIT', { default: 50, min: 1 }),
      typingLimit: readInteger(env, 'TYPING_RATE_LIMIT', { default: 20, min: 1 }),
      loginAccountMaxFailures: readInteger(env, 'LOGIN_ACCOUNT_MAX_FAILURES', { default: 100, min: 1 }),
      loginDelayBaseMs,
      loginDelayMaxMs,
      handshakesPerAddress: readInteger(env, 'HANDSHAKE_RATE_LIMIT', { default: 120, min: 1 }),
      handshakesPerUser: readInteger(env, 'HANDSHAKE_USER_RATE_LIMIT', { default: 30, min: 1 }),
      membershipChangeLimit: readInteger(env, 'MEMBERSHIP_CHANGE_LIMIT', { default: 60, min: 1 }),
      presenceEventLimit: readInteger(env, 'PRESENCE_EVENT_LIMIT', { default: 10, min: 2 }),
    },
    caps: {
      reactionsPerMessage: readInteger(env, 'REACTIONS_PER_MESSAGE', { default: 50, min: 1, max: 10_000 }),
      socketsPerUser: readInteger(env, 'SOCKETS_PER_USER', { default: 20, min: 1, max: 100_000 }),
      apiKeysPerUser: readInteger(env, 'API_KEYS_PER_USER', { default: 25, min: 1, max: 10_000 }),
      scheduledPerUser: readInteger(env, 'SCHEDULED_MESSAGES_PER_USER', { default: 100, min: 1, max: 100_000 }),
      scheduleAheadSeconds: readDuration(env, 'SCHEDULED_MESSAGE_MAX_AHEAD', { default: '365d' }),
    },
    presenceOfflineGraceMs: readDuration(env, 'PRESENCE_OFFLINE_GRACE', { default: '5s', allowZero: true }) * 1000,
    syncRetentionSeconds: readDuration(env, 'SYNC_RETENTION', { default: '30d' }),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 100 }),
    docsEnabled: readBoolean(env, 'DOCS_ENABLED', true),
    metrics: {
      port: metricsPort,
      host: readString(env, 'METRICS_HOST', { default: host })!,
      token: readString(env, 'METRICS_TOKEN', { minLength: 16 }),
    },
    accounts: {
      usernameHoldSeconds: readDuration(env, 'ACCOUNT_USERNAME_HOLD', { default: '30d', allowZero: true }),
    },
    exports: {
      ttlSeconds: readDuration(env, 'EXPORT_TTL', { default: '7d' }),
    },
    retention: {
      batchSize: readInteger(env, 'RETENTION_BATCH_SIZE', { default: 500, min: 1, max: 10_000 }),
    },
    jobs: {
      workers: readBoolean(env, 'JOBS_WORKERS', true),
      pollIntervalMs: readInteger(env, 'JOBS_POLL_INTERVAL_MS', { default: 2_000, min: 500, max: 60_000 }),
      superviseIntervalSeconds: jobsSuperviseSeconds,
      poolSize: readInteger(env, 'JOBS_POOL_SIZE', { default: 4, min: 2, max: 100 }),
    },
    webhooks: {
      maxAttempts: readInteger(env, 'WEBHOOK_MAX_ATTEMPTS', { default: 8, min: 1, max: 50 }),
      timeoutMs: readInteger(env, 'WEBHOOK_TIMEOUT_MS', { default: 10_000, min: 100, max: 120_000 }),
      retryDelaySeconds: webhookRetryDelay,
      retryMaxDelaySeconds: webhookRetryMaxDelay,
      dispatchIntervalMs: readInteger(env, 'WEBHOOK_DISPATCH_INTERVAL_MS', { default: 1_000, min: 50, max: 60_000 }),
      disableAfterDead: readInteger(env, 'WEBHOOK_DISABLE_AFTER', { default: 5, min: 1, max: 10_000 }),
    },
    linkPreviews: {
      enabled: readBoolean(env, 'LINK_PREVIEWS', true),
      timeoutMs: readInteger(env, 'LINK_PREVIEW_TIMEOUT_MS', { default: 5_000, min: 100, max: 60_000 }),
      maxBytes: readInteger(env, 'LINK_PREVIEW_MAX_BYTES', { default: 512 * 1024, min: 1024, max: 10 * 1024 * 1024 }),
      cacheTtlSeconds: readDuration(env, 'LINK_PREVIEW_CACHE_TTL', { default: '24h' }),
      allowAddresses: readList(env, 'LINK_PREVIEW_ALLOW_ADDRESSES'),
    },
    push: { relayUrl: pushRelayUrl, relaySecret: pushRelaySecret ?? '' },
    preSendHook: {
      url: readUrl(env, 'PRE_SEND_HOOK_URL', ['http:', 'https:']),
      timeoutMs: readInteger(env, 'PRE_SEND_HOOK_TIMEOUT_MS', { default: 2_000, min: 50, max: 30_000 }),
      failClosed: readString(env, 'PRE_SEND_HOOK_FAIL', { default: 'open', oneOf: ['open', 'closed'] }) === 'closed',
      secret: readString(env, 'PRE_SEND_HOOK_SECRET', { minLength: 16 }),
    },
  };
}

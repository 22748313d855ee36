import { loadConfig } from '../../src/config/app-config.js';
import { ConfigError } from '../../src/config/env-readers.js';

const STRONG_SECRET = 'x'.repeat(32);

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      databaseUrl: undefined,
      dataDir: './data',
      redisUrl: undefined,
      databaseStatementTimeoutMs: 10_000,
      databaseIdleInTransactionTimeoutMs: 10_000,
      jwt: { secret: '', secretFromDataDir: true, accessTtlSeconds: 900, refreshTtlSeconds: 30 * 86400, refreshRetryGraceSeconds: 30 },
      http: {
        requestTimeoutMs: 300_000,
        headersTimeoutMs: 20_000,
        keepAliveTimeoutMs: 72_000,
        idleTimeoutMs: 120_000,
        minBodyRate: { bytes: 8192, windowSeconds: 10 },
      },
      heavyRequestsPerUser: 4,
      trustProxy: false,
      media: { maxBytes: 25 * 1024 * 1024 },
      throttle: { limit: 300, authLimit: 20, loginMaxFailures: 10, messageLimit: 50, typingLimit: 20 },
      syncRetentionSeconds: 30 * 86400,
    });
  });

  it('reads durations in seconds, minutes, hours and days', () => {
    expect(loadConfig({ JWT_ACCESS_TTL: '90' }).jwt.accessTtlSeconds).toBe(90);
    expect(loadConfig({ JWT_ACCESS_TTL: '5m' }).jwt.accessTtlSeconds).toBe(300);
    expect(loadConfig({ JWT_REFRESH_TTL: '12h' }).jwt.refreshTtlSeconds).toBe(43200);
    expect(loadConfig({ JWT_REFRESH_TTL: '7d' }).jwt.refreshTtlSeconds).toBe(604800);
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT: '500ms' }).databaseStatementTimeoutMs).toBe(500);
    expect(loadConfig({ JWT_REFRESH_RETRY_GRACE: '0' }).jwt.refreshRetryGraceSeconds).toBe(0);
    expect(failure({ JWT_ACCESS_TTL: '0' }).message).toMatch(/JWT_ACCESS_TTL must be longer than zero/);
  });

  it('reads a minimum body rate as bytes per window, or 0 for none', () => {
    expect(loadConfig({ HTTP_MIN_BODY_RATE: '1024/2s' }).http.minBodyRate).toEqual({ bytes: 1024, windowSeconds: 2 });
    expect(loadConfig({ HTTP_MIN_BODY_RATE: '0' }).http.minBodyRate).toBeNull();
    expect(failure({ HTTP_MIN_BODY_RATE: 'fast' }).message).toMatch(/HTTP_MIN_BODY_RATE must be <bytes>\/<duration>/);
  });

  it('reads TRUST_PROXY as a number of proxies or their addresses, and refuses true', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy).toEqual({
      addresses: ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback'],
    });
    expect(failure({ TRUST_PROXY: 'true' }).message).toMatch(/TRUST_PROXY no longer accepts true.*number of proxies/);
    for (const wrong of ['10.0.0.0/33', 'proxy.example', '1.2.3', '11']) expect(failure({ TRUST_PROXY: wrong }).variable).toBe('TRUST_PROXY');
  });

  it('refuses the embedded database in production unless told to allow it', () => {
    const error = failure({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET });
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toMatch(/DATABASE_URL is required in production .*ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=true/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: 'true' }).databaseUrl).toBeUndefined();
  });

  it('requires JWT_SECRET in production', () => {
    const error = failure({ NODE_ENV: 'production' });
    expect(error.variable).toBe('JWT_SECRET');
    expect(error.message).toBe('Invalid configuration: JWT_SECRET is required');
  });

  it('refuses a weak JWT_SECRET', () => {
    expect(failure({ NODE_ENV: 'production', JWT_SECRET: 'short' }).message).toMatch(/JWT_SECRET must be at least 32 characters/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgres://db/chat' }).jwt).toMatchObject({
      secret: STRONG_SECRET,
      secretFromDataDir: false,
    });
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be at most 65535/],
    ['THROTTLE_LIMIT', '0', /THROTTLE_LIMIT must be at least 1/],
    ['MEDIA_MAX_BYTES', '1.5', /MEDIA_MAX_BYTES must be a whole number/],
    ['JWT_ACCESS_TTL', 'forever', /JWT_ACCESS_TTL must be a duration/],
    ['DATABASE_URL', 'mysql://localhost/db', /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
    ['REDIS_URL', 'not a url', /REDIS_URL is not a valid URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be false, a number of proxies, or their addresses/],
    ['NODE_ENV', 'staging', /NODE_ENV must be one of/],
    ['METRICS_PORT', 'metrics', /METRICS_PORT must be a whole number/],
    ['METRICS_TOKEN', 'short', /METRICS_TOKEN must be at least 16 characters/],
    ['DOCS_ENABLED', 'maybe', /DOCS_ENABLED must be true or false/],
    ['LOGIN_ACCOUNT_MAX_FAILURES', '0', /LOGIN_ACCOUNT_MAX_FAILURES must be at least 1/],
    ['LOGIN_DELAY_BASE', 'soon', /LOGIN_DELAY_BASE must be a duration/],
    ['LOGIN_DELAY_MAX', '0', /LOGIN_DELAY_MAX must be longer than zero/],
    ['SOCKETS_PER_USER', '0', /SOCKETS_PER_USER must be at least 1/],
    ['REACTIONS_PER_MESSAGE', 'many', /REACTIONS_PER_MESSAGE must be a whole number/],
    ['HANDSHAKE_RATE_LIMIT', '-1', /HANDSHAKE_RATE_LIMIT must be at least 1/],
    ['HANDSHAKE_USER_RATE_LIMIT', '0', /HANDSHAKE_USER_RATE_LIMIT must be at least 1/],
    ['MEMBERSHIP_CHANGE_LIMIT', '0', /MEMBERSHIP_CHANGE_LIMIT must be at least 1/],
    ['PRESENCE_EVENT_LIMIT', '1', /PRESENCE_EVENT_LIMIT must be at least 2/],
    ['PRESENCE_OFFLINE_GRACE', 'later', /PRESENCE_OFFLINE_GRACE must be a duration/],
  ])('names the variable when %s=%s is wrong', (variable, value, message) => {
    const error = failure({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('reads the lockout schedule and the amplification caps, with their defaults', () => {
    const defaults = loadConfig({});
    expect(defaults.throttle).toMatchObject({
      loginAccountMaxFailures: 100,
      loginDelayBaseMs: 1_000,
      loginDelayMaxMs: 15 * 60_000,
      handshakesPerAddress: 120,
      handshakesPerUser: 30,
      membershipChangeLimit: 60,
      presenceEventLimit: 10,
    });
    expect(defaults.caps).toEqual({
      reactionsPerMessage: 50,
      socketsPerUser: 20,
      apiKeysPerUser: 25,
      scheduledPerUser: 100,
      scheduleAheadSeconds: 365 * 86_400,
    });
    expect(defaults.presenceOfflineGraceMs).toBe(5_000);
    expect(loadConfig({ LOGIN_DELAY_BASE: '20ms', LOGIN_DELAY_MAX: '200ms', PRESENCE_OFFLINE_GRACE: '0' })).toMatchObject({
      throttle: { loginDelayBaseMs: 20, loginDelayMaxMs: 200 },
      presenceOfflineGraceMs: 0,
    });
    expect(failure({ LOGIN_DELAY_BASE: '10s', LOGIN_DELAY_MAX: '5s' }).variable).toBe('LOGIN_DELAY_MAX');
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(failure({ ADMIN_EMAIL: 'boss@example.com' }).variable).toBe('ADMIN_PASSWORD');
    expect(loadConfig({ ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: 'long enough' }).admin).toEqual({
      email: 'boss@example.com',
      password: 'long enough',
    });
  });

  it('splits CORS_ORIGINS into a list', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each(['https://app.example/', 'https://app.example/path', 'app.example', '*,https://app.example'])(
    'refuses CORS_ORIGINS=%s, naming the variable',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    },
  );

  it('serves docs and metrics on the app port, openly, unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ docsEnabled: true, metrics: { port: undefined, host: '0.0.0.0', token: undefined } });
    expect(loadConfig({ DOCS_ENABLED: 'false', METRICS_PORT: '9464', METRICS_TOKEN: 't'.repeat(16), HOST: '127.0.0.1' })).toMatchObject({
      docsEnabled: false,
      metrics: { port: 9464, host: '127.0.0.1', token: 't'.repeat(16) },
    });
  });

  it('refuses METRICS_PORT equal to PORT', () => {
    expect(failure({ PORT: '8080', METRICS_PORT: '8080' }).message).toBe('Invalid configuration: METRICS_PORT must differ from PORT (both 8080)');
  });
});

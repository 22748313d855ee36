import { loadConfig } from '../../src/config/app-config.js';
import { ConfigError } from '../../src/config/env-readers.js';

describe('job queue configuration', () => {
  it('runs workers by default, polling every 2 s with a minute between upkeeps, on a pool of 4', () => {
    expect(loadConfig({}).jobs).toEqual({ workers: true, pollIntervalMs: 2_000, superviseIntervalSeconds: 60, poolSize: 4 });
  });

  it('reads JOBS_WORKERS=false for instances that only enqueue', () => {
    expect(loadConfig({ JOBS_WORKERS: 'false' }).jobs.workers).toBe(false);
  });

  it.each([
    ['JOBS_WORKERS', 'sometimes', /JOBS_WORKERS must be true or false/],
    ['JOBS_POLL_INTERVAL_MS', '100', /JOBS_POLL_INTERVAL_MS must be at least 500/],
    ['JOBS_SUPERVISE_INTERVAL', '2h', /JOBS_SUPERVISE_INTERVAL must be at most 1h/],
    ['JOBS_SUPERVISE_INTERVAL', 'often', /JOBS_SUPERVISE_INTERVAL must be a duration/],
    ['JOBS_POOL_SIZE', '1', /JOBS_POOL_SIZE must be at least 2/],
  ])('refuses %s=%s', (variable, value, message) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(message);
  });
});

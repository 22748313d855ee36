import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config.js';
import { JWT_SECRET_FILE, withJwtSecret } from '../../src/config/jwt-secret.js';

describe('the JWT secret without JWT_SECRET', () => {
  let dataDir: string;
  const logged: string[] = [];
  const log = (line: string) => logged.push(line);

  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'jwt-secret-')), 'data');
    logged.length = 0;
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const configFor = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env });

  it('is generated once into DATA_DIR/jwt-secret, readable by its owner only, and reused afterwards', () => {
    const first = withJwtSecret(configFor(), log);
    const path = join(dataDir, JWT_SECRET_FILE);
    expect(first.jwt.secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(logged[0]).toMatch(/generated a secret in .*jwt-secret/);
    const again = withJwtSecret(configFor(), log);
    expect(again.jwt.secret).toBe(first.jwt.secret);
    expect(logged[1]).toMatch(/using the secret in/);
  });

  it('differs between data directories: there is no constant to guess', () => {
    const other = join(mkdtempSync(join(tmpdir(), 'jwt-secret-')), 'data');
    try {
      expect(withJwtSecret(loadConfig({ DATA_DIR: other }), log).jwt.secret).not.toBe(withJwtSecret(configFor(), log).jwt.secret);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('makes a file others could read private again', () => {
    withJwtSecret(configFor(), log);
    const path = join(dataDir, JWT_SECRET_FILE);
    chmodSync(path, 0o644);
    withJwtSecret(configFor(), log);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a file without a usable secret', () => {
    withJwtSecret(configFor(), log);
    writeFileSync(join(dataDir, JWT_SECRET_FILE), 'short\n');
    expect(() => withJwtSecret(configFor(), log)).toThrow(/holds no usable secret/);
  });

  it('is not touched when JWT_SECRET is set', () => {
    const config = withJwtSecret(configFor({ JWT_SECRET: 'y'.repeat(40) }), log);
    expect(config.jwt.secret).toBe('y'.repeat(40));
    expect(() => readFileSync(join(dataDir, JWT_SECRET_FILE))).toThrow();
  });
});

import { existsSync } from 'node:fs';

/**
 * Jest runs the TypeScript sources as ES modules (NestJS 12 is ESM-only), which needs
 * `node --experimental-vm-modules` — the npm scripts pass it.
 */
const typescript = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
};

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: typescript,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
};

const e2eSetup = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** The browser suites drive Debian's Chromium (test/support/browser.ts); without it they are left out, saying so once. */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserProject = { ...common, ...e2eSetup, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] };
if (!existsSync(chromium)) {
  console.log(`browser suite skipped: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH), then npm run test:browser`);
}

/**
 * Two workers by default: each has a database (and a Redis database number) of its own, see
 * test/support/global-setup.ts and setup-env.ts. `JEST_WORKERS=1` (or `--runInBand`) runs one suite at a time.
 */
const workers = Number(process.env.JEST_WORKERS ?? 2);

export default {
  testTimeout: 60_000,
  maxWorkers: workers,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      // Services on the real test database, no HTTP: rules (roles, blocks, visibility) at the service.
      displayName: 'service',
      testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'],
      ...e2eSetup,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      ...e2eSetup,
    },
    ...(existsSync(chromium) ? [browserProject] : []),
  ],
};

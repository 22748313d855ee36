/**
 * `npm run lint:openapi`: boots the built app (`npm run build` first; the npm script does) the way the
 * tests do, takes the OpenAPI document it serves at /docs/openapi.json, and lints it with Redocly CLI
 * against redocly.yaml. The database is DATABASE_URL when set, otherwise an embedded one in a temporary
 * directory; Redis is not needed. `node scripts/lint-openapi.mjs out.json` also keeps the document.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'chat-openapi-'));
const documentPath = process.argv[2] ?? join(workDir, 'openapi.json');

async function writeDocument() {
  const { loadConfig } = await import(join(root, 'dist/src/config/app-config.js'));
  const { createApp } = await import(join(root, 'dist/src/app.factory.js'));
  const { REDIS_URL: _redis, ...env } = process.env;
  const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: join(workDir, 'data'), MEDIA_DIR: join(workDir, 'media') });
  const running = await createApp(config);
  try {
    await running.app.init();
    const response = await running.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /docs/openapi.json answered ${response.statusCode}`);
    // Pretty-printed, so each problem Redocly reports points at a line of its own.
    writeFileSync(documentPath, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
  } finally {
    await running.close();
  }
}

try {
  await writeDocument();
  const lint = spawnSync(process.execPath, [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--config', join(root, 'redocly.yaml'), documentPath], {
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

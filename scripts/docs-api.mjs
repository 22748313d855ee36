/**
 * `npm run docs:api`: boots the built app (`npm run build` first; the npm script does) in this process,
 * takes the OpenAPI and AsyncAPI documents it serves, and writes docs/API.md from them
 * (src/docs/api-reference.ts). The database is DATABASE_URL when set, otherwise an embedded one in a
 * temporary directory; Redis is not needed. test/e2e/api-reference.e2e-spec.ts fails when the committed
 * file differs from what the served documents give.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'chat-docs-api-'));

try {
  const { loadConfig } = await import(join(root, 'dist/src/config/app-config.js'));
  const { createApp } = await import(join(root, 'dist/src/app.factory.js'));
  const { renderApiReference } = await import(join(root, 'dist/src/docs/api-reference.js'));
  const { REDIS_URL: _redis, ...env } = process.env;
  const config = loadConfig({
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DOCS_ENABLED: 'true',
    DATA_DIR: join(workDir, 'data'),
    MEDIA_DIR: join(workDir, 'media'),
  });
  const running = await createApp(config);
  try {
    await running.app.init();
    const fastify = running.app.getHttpAdapter().getInstance();
    const served = async (url) => {
      const response = await fastify.inject({ method: 'GET', url });
      if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
      return JSON.parse(response.body);
    };
    const reference = renderApiReference(await served('/docs/openapi.json'), await served('/docs/asyncapi.json'));
    writeFileSync(join(root, 'docs/API.md'), reference);
    process.stdout.write(`docs/API.md: ${reference.split('\n').length} lines\n`);
  } finally {
    await running.close();
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

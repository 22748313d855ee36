/**
 * The kit's build (`npm run build` at the root runs it after the server's tsc):
 *
 * 1. boots the built app (dist/, an embedded database in a temporary directory, no Redis), takes the
 *    OpenAPI and AsyncAPI documents it serves and writes src/generated/ from them (scripts/types.mjs) —
 *    skipped when dist/src is byte-for-byte what it was last time (the hash is in src/generated/.source),
 *    since booting costs seconds and the root build runs often;
 * 2. compiles the kit with tsc (incremental) to dist/ with declarations.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedDir, renderTypes, repoRoot } from './types.mjs';

function hashOfTree(dir) {
  const hash = createHash('sha256');
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

async function servedDocuments() {
  const workDir = mkdtempSync(join(tmpdir(), 'chat-client-build-'));
  try {
    const { loadConfig } = await import(join(repoRoot, 'dist/src/config/app-config.js'));
    const { createApp } = await import(join(repoRoot, 'dist/src/app.factory.js'));
    const { REDIS_URL: _redis, DATABASE_URL: _database, ...env } = process.env;
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
      return { openapi: await served('/docs/openapi.json'), asyncapi: await served('/docs/asyncapi.json') };
    } finally {
      await running.close();
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const source = hashOfTree(join(repoRoot, 'dist/src'));
const stamp = join(generatedDir, '.source');
const files = ['openapi.ts', 'asyncapi.ts', 'events.ts', 'version.ts'];
const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === source && files.every((file) => existsSync(join(generatedDir, file)));
if (!fresh) {
  const rendered = renderTypes(await servedDocuments());
  mkdirSync(generatedDir, { recursive: true });
  for (const [file, content] of Object.entries(rendered)) writeFileSync(join(generatedDir, file), content);
  writeFileSync(stamp, source);
  console.log(`packages/client: generated ${Object.keys(rendered).join(', ')} from the served documents`);
}
const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'packages/client/tsconfig.json')], {
  stdio: 'inherit',
});
process.exit(tsc.status ?? 1);

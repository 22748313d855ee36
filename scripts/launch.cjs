'use strict';
/**
 * How people start the server (`npm start`, `npm run start:prod`, the Docker image) and the scripts that
 * use the configured database (`migration:*`, `seed`):
 *
 *   node scripts/launch.cjs [--build] [module]     module defaults to dist/src/main.js
 *
 * 1. Refuses an unsupported Node.js in one line, before anything of the ES-module app is loaded.
 * 2. Reads `.env` from the working directory when there is one; variables already in the environment win.
 * 3. `--build`: compiles the TypeScript first when TypeScript is installed (a development install); a
 *    production install (`npm ci --omit=dev`) runs what `npm run build` left in dist/.
 * 4. Imports the module in this same process, so signals reach the server directly (PID 1 in a container).
 */
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');
const { requireSupportedNode } = require('./check-node.cjs');

requireSupportedNode();

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const build = args[0] === '--build';
if (build) args.shift();
const entry = resolve(root, args.shift() || 'dist/src/main.js');
process.argv = [process.argv[0], entry, ...args];

const envFile = resolve('.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

function typescriptCompiler() {
  try {
    return require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    return undefined;
  }
}

const tsc = build ? typescriptCompiler() : undefined;
if (tsc) {
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (compiled.status !== 0) process.exit(compiled.status || 1);
}
if (!existsSync(entry)) {
  process.stderr.write(
    `${entry} does not exist: build first (\`npm run build\`, which needs the dev dependencies), then install for production with \`npm prune --omit=dev\` or \`npm ci --omit=dev\`.\n`,
  );
  process.exit(1);
}
import(pathToFileURL(entry).href).catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});

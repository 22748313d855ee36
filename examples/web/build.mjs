/**
 * Builds the reference app into examples/web/dist (index.html, app.js, app.css) with esbuild — or, as
 * `buildWebApp()`, in memory (the browser suite serves it from there). `node examples/web/build.mjs`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** `{ 'index.html': …, 'app.js': …, 'app.css': … }`. */
export async function buildWebApp() {
  const result = await build({
    entryPoints: [here('./src/app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    write: false,
    logLevel: 'warning',
  });
  return {
    'index.html': readFileSync(here('./index.html'), 'utf8'),
    'app.js': result.outputFiles[0].text,
    'app.css': readFileSync(here('./src/app.css'), 'utf8'),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await buildWebApp();
  mkdirSync(here('./dist'), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(here(`./dist/${name}`), content);
  console.log(`examples/web/dist: ${Object.keys(files).join(', ')} (app.js ${Math.round(files['app.js'].length / 1024)} KiB)`);
}

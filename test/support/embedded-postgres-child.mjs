/**
 * One embedded PostgreSQL for a test run, in a process of its own (global-setup.ts starts one per Jest
 * worker): PGlite runs on one thread, so databases in Jest's own process would all share that thread —
 * here each has a core to itself. Started by the app's own code as built (`npm test` builds first).
 * Prints `{"url": …}` once listening; stops when told (SIGTERM) or when its parent goes (stdin closes).
 *
 *   node test/support/embedded-postgres-child.mjs <data dir>
 */
const { startEmbeddedPostgres } = await import(new URL('../../dist/src/database/embedded-postgres.js', import.meta.url).href);

const embedded = await startEmbeddedPostgres(process.argv[2]);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await embedded.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: embedded.url })}\n`);

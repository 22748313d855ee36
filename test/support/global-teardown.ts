export default async function globalTeardown() {
  // Each project that set up runs this too: the first one drops the database, the others find it gone.
  const drop = globalThis.dropTestDatabase;
  globalThis.dropTestDatabase = undefined;
  await drop?.();
}

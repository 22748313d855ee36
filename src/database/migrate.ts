/** `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { loadConfig } from '../config/app-config.js';
import { resolveDatabase } from './database-connection.js';
import { runMigrations } from './run-migrations.js';

const database = await resolveDatabase(loadConfig());
try {
  const applied = await runMigrations(database.url, { info: (message) => process.stdout.write(`${message}\n`) });
  process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'No pending migrations\n');
} finally {
  await database.release();
}

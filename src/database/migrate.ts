/** `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { resolveDatabase } from './database-connection.js';

const database = await resolveDatabase(loadConfig());
const dataSource = new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }));
try {
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  process.stdout.write(applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}\n` : 'No pending migrations\n');
} finally {
  await dataSource.destroy();
  await database.release();
}

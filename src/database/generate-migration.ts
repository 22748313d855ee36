/**
 * `npm run migration:generate -- AddThing`: diffs the entities against a database built by the existing
 * migrations and writes the difference as a new migration in `migrations/`, then lists it in
 * `migrations/index.ts`. Read what it wrote before committing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { resolveDatabase } from './database-connection.js';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  process.stderr.write('Usage: npm run migration:generate -- PascalCaseName\n');
  process.exit(2);
}

const database = await resolveDatabase(loadConfig());
const dataSource = new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }));
try {
  await dataSource.initialize();
  await dataSource.runMigrations();
  const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
  if (!upQueries.length) {
    process.stdout.write('The entities match the migrations: nothing to generate\n');
  } else {
    const timestamp = Date.now();
    const className = `${name}${timestamp}`;
    const literal = (sql: string) => `\`${sql.replace(/\s+/g, ' ').trim().replace(/[`\\]/g, '\\$&').replace(/\$\{/g, '\\${')}\``;
    const statement = (query: { query: string; parameters?: unknown[] }) =>
      `    await queryRunner.query(${literal(query.query)}${query.parameters?.length ? `, ${JSON.stringify(query.parameters)}` : ''});`;
    const source = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${upQueries.map(statement).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${downQueries.reverse().map(statement).join('\n')}
  }
}
`;
    const file = `${timestamp}-${name}`;
    writeFileSync(`migrations/${file}.ts`, source);
    const index = readFileSync('migrations/index.ts', 'utf8')
      .replace(/^((?:import .*\n)*)/, `$1import { ${className} } from './${file}.js';\n`)
      .replace(/\[([^\]]*)\];\s*$/, (_all, list: string) => `[${[list.trim(), className].filter(Boolean).join(', ')}];\n`);
    writeFileSync('migrations/index.ts', index);
    process.stdout.write(`Wrote migrations/${file}.ts\n`);
  }
} finally {
  await dataSource.destroy();
  await database.release();
}

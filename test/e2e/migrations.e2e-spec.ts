import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';

describe('migrations', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 }));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('build exactly the schema the entities describe', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    // Anything listed here is a change to the entities that no migration makes: run migration:generate.
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });

  it('are all applied', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
  });
});

/**
 * The built server (as `npm start` runs it) with the test jobs of `JOBS_TEST_CATALOG` defined and their
 * handlers registered before bootstrap, the way a feature module registers its own. Node runs this
 * file itself (type stripping), outside Jest: `npm run build` first, as for every server-process suite.
 * `JOBS_TEST_INSTANCE` names this process in the execution table.
 */
import type * as AppConfigModule from '../../../src/config/app-config.js';
import type * as AppFactoryModule from '../../../src/app.factory.js';
import type * as JobsModule from '../../../src/jobs/jobs.service.js';
import type * as TestJobsModule from './test-jobs.js';
import type { DataSource as DataSourceClass } from 'typeorm';

const built = (path: string) => new URL(`../../../dist/src/${path}`, import.meta.url).href;
const { loadConfig } = (await import(built('config/app-config.js'))) as typeof AppConfigModule;
const { createApp } = (await import(built('app.factory.js'))) as typeof AppFactoryModule;
const { Jobs } = (await import(built('jobs/jobs.service.js'))) as typeof JobsModule;
const { DataSource } = (await import('typeorm')) as { DataSource: typeof DataSourceClass };
const { installTestJobs, TEST_CATALOGS } = (await import(new URL('./test-jobs.ts', import.meta.url).href)) as typeof TestJobsModule;

const catalog = TEST_CATALOGS[process.env.JOBS_TEST_CATALOG as keyof typeof TEST_CATALOGS];
if (!catalog) throw new Error(`JOBS_TEST_CATALOG must be one of ${Object.keys(TEST_CATALOGS).join(', ')}`);
const config = loadConfig();
const running = await createApp(config);
await installTestJobs(running.app.get(Jobs), catalog, {
  dataSource: running.app.get(DataSource),
  instance: process.env.JOBS_TEST_INSTANCE ?? String(process.pid),
});
await running.app.listen({ port: config.port, host: config.host });

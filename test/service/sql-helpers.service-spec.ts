import type { Pool } from 'pg';
import { DataSource, QueryFailedError, QueryRunnerAlreadyReleasedError, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { change, select, selectOne, selectPrepared } from '../../src/database/sql.js';
import { useTestApp } from '../support/use-test-app.js';

/*
 * The raw-SQL helpers run statements on pg itself rather than through a TypeORM query runner per call:
 * on the transaction's own connection inside one, else on a pooled connection lent for the statement.
 * What the repositories and the error envelope rely on must hold as it did through TypeORM: rows, counts,
 * `QueryFailedError` with pg's error inside, a finished transaction's manager refused, and every lent
 * connection back in the pool, failed statements included.
 */
describe('the raw-SQL helpers, on the real database', () => {
  const app = useTestApp();
  let database: DataSource;
  let pool: Pool;

  beforeAll(() => {
    database = app.running.app.get(DataSource);
    pool = (database.driver as PostgresDriver).master as Pool;
  });

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QueryFailedError);
    return (error as QueryFailedError).driverError as Error & { code?: string };
  };

  it('answers rows, the first row, and prepared rows on the data source', async () => {
    const rows = await select<{ n: number }>(database.manager, 'SELECT n FROM generate_series(1, $1::int) AS n', [3]);
    expect(rows.map((row) => row.n)).toEqual([1, 2, 3]);
    expect(await selectOne<{ n: number }>(database.manager, 'SELECT 7 AS n WHERE $1::boolean', [true])).toEqual({ n: 7 });
    expect(await selectOne(database.manager, 'SELECT 7 AS n WHERE $1::boolean', [false])).toBeUndefined();
    for (const value of ['a', 'b']) {
      expect(await selectPrepared<{ v: string }>(database.manager, 'sql_helpers_echo', 'SELECT $1::text AS v', [value])).toEqual([{ v: value }]);
    }
  });

  it('runs inside a transaction on its connection: its own writes are seen, and they roll back with it', async () => {
    const seen = await database
      .transaction(async (manager: EntityManager) => {
        await change(manager, 'CREATE TEMP TABLE sql_helpers_t (id int PRIMARY KEY, v text) ON COMMIT DROP');
        const inserted = await select<{ id: number }>(manager, `INSERT INTO sql_helpers_t VALUES (1, 'x'), (2, 'y'), (3, 'y') RETURNING id`);
        expect(inserted.map((row) => row.id)).toEqual([1, 2, 3]);
        const backend = await selectOne<{ pid: number }>(manager, 'SELECT pg_backend_pid() AS pid');
        expect(await selectPrepared<{ pid: number }>(manager, 'sql_helpers_pid', 'SELECT pg_backend_pid() AS pid', [])).toEqual([backend]);
        expect(await change<{ id: number }>(manager, `UPDATE sql_helpers_t SET v = 'z' WHERE v = $1 RETURNING id`, ['y'])).toEqual({
          rows: [{ id: 2 }, { id: 3 }],
          count: 2,
        });
        expect(await change(manager, 'DELETE FROM sql_helpers_t WHERE id > $1', [1])).toEqual({ rows: [], count: 2 });
        const left = await select<{ id: number; v: string }>(manager, 'SELECT id, v FROM sql_helpers_t');
        throw Object.assign(new Error('roll back'), { left });
      })
      .catch((error: Error & { left?: unknown }) => error.left);
    expect(seen).toEqual([{ id: 1, v: 'x' }]);
    expect(await select(database.manager, `SELECT 1 FROM pg_class WHERE relname = 'sql_helpers_t'`)).toEqual([]);
  });

  it('fails a statement as QueryFailedError with pg’s error inside, and the connection goes back to the pool', async () => {
    const before = pool.totalCount;
    expect((await failure(select(database.manager, 'SELECT 1 / $1::int', [0]))).code).toBe('22012');
    expect((await failure(selectPrepared(database.manager, 'sql_helpers_bad', 'SELECT 1 / $1::int AS q', [0]))).code).toBe('22012');
    expect((await failure(change(database.manager, 'UPDATE no_such_table SET x = 1'))).code).toBe('42P01');
    const unique = await database
      .transaction(async (manager) => {
        await change(manager, 'CREATE TEMP TABLE sql_helpers_u (id int PRIMARY KEY) ON COMMIT DROP');
        await select(manager, 'INSERT INTO sql_helpers_u VALUES (1)');
        await select(manager, 'INSERT INTO sql_helpers_u VALUES (1)');
      })
      .catch((error: unknown) => error);
    // The failure rolled the transaction back, and reached the caller of `transaction` as it was thrown.
    expect(unique).toBeInstanceOf(QueryFailedError);
    expect(((unique as QueryFailedError).driverError as { code?: string }).code).toBe('23505');
    // Failed statements must not cost a connection: no connection was dropped and opened again.
    expect(pool.totalCount).toBeLessThanOrEqual(Math.max(before, 1));
    expect(await selectOne(database.manager, 'SELECT 1 AS ok')).toEqual({ ok: 1 });
  });

  it('gives every lent connection back under concurrency: none is left checked out, no caller waits', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        index % 3 === 0
          ? select(database.manager, 'SELECT 1 / $1::int', [0]).catch(() => 'failed')
          : selectOne<{ n: number }>(database.manager, 'SELECT $1::int AS n, pg_sleep(0.001)', [index]).then((row) => row?.n),
      ),
    );
    expect(results.filter((result) => result === 'failed')).toHaveLength(20);
    expect(results.filter((result) => typeof result === 'number')).toHaveLength(40);
    expect(pool.waitingCount).toBe(0);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('refuses the manager of a transaction that has ended, as TypeORM does', async () => {
    let finished: EntityManager | undefined;
    await database.transaction(async (manager) => {
      finished = manager;
      await select(manager, 'SELECT 1');
    });
    await expect(select(finished!, 'SELECT 1')).rejects.toBeInstanceOf(QueryRunnerAlreadyReleasedError);
    await expect(change(finished!, 'UPDATE users SET updated_at = updated_at WHERE false')).rejects.toBeInstanceOf(QueryRunnerAlreadyReleasedError);
  });
});

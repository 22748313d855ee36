import type { Db } from 'pg-boss';
import type { EntityManager } from 'typeorm';

/**
 * Runs pg-boss's statements on the connection of the caller's TypeORM transaction, so a job enqueued
 * with `{ manager }` exists if and only if that transaction commits.
 */
export function transactionExecutor(manager: EntityManager): Db {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new Error('Jobs: `manager` must be the EntityManager of a running transaction (dataSource.transaction((manager) => …))');
  }
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await runner.query(text, values, true);
      return { rows: result.records ?? [] };
    },
  };
}

import type { EntityManager } from 'typeorm';

/**
 * Typed raw SQL on a manager (the caller's transaction, or the data source's). TypeORM answers SELECT
 * and INSERT … RETURNING with the rows, but UPDATE and DELETE with `[rows, affected]`; these two
 * helpers hide that difference so no repository unpacks it by hand.
 */
export function select<T>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return manager.query(sql, parameters);
}

/** The first row, or undefined. */
export async function selectOne<T>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<T | undefined> {
  const rows: T[] = await manager.query(sql, parameters);
  return rows[0];
}

/** An UPDATE or DELETE (with or without RETURNING): its returned rows and how many rows it touched. */
export async function change<T = unknown>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<{ rows: T[]; count: number }> {
  const [rows, count] = (await manager.query(sql, parameters)) as [T[], number];
  return { rows, count };
}

import type { EntityManager } from 'typeorm';

/** A statement's text and its `$n` parameters, as the query builders answer them. */
export interface SqlQuery {
  sql: string;
  parameters: unknown[];
}

/**
 * Typed raw SQL on a manager (the caller's transaction, or the data source's). TypeORM answers SELECT
 * and INSERT … RETURNING with the rows, but UPDATE and DELETE with `[rows, affected]`; these two
 * helpers hide that difference so no repository unpacks it by hand.
 */
export function select<T>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return manager.query(sql, parameters);
}

/** Past this many distinct texts, `selectPrepared` runs unnamed: a text built per call must not grow every connection. */
const MAX_PREPARED_TEXTS = 200;
const preparedNames = new Map<string, string>();

/**
 * `select` as a named prepared statement, parsed and planned once per connection instead of on every
 * call: for the hot statements, where parse + plan cost more than running them (the text send's one
 * statement took 1.9 ms unnamed and 0.8 ms prepared, here). The name is `name` and a number per distinct
 * text, so two texts never share one (node-postgres refuses that); the text should be the same on every
 * call. Its result columns must be listed, not `*` of a table: a column added by a later migration would
 * otherwise change the cached statement's result and fail it until reconnect.
 */
export function selectPrepared<T>(manager: EntityManager, name: string, sql: string, parameters: unknown[]): Promise<T[]> {
  let prepared = preparedNames.get(sql);
  if (!prepared) {
    if (preparedNames.size >= MAX_PREPARED_TEXTS) return select(manager, sql, parameters);
    prepared = `${name}_${preparedNames.size}`;
    preparedNames.set(sql, prepared);
  }
  // node-postgres takes a query config in place of the text; TypeORM passes it through untouched.
  return manager.query({ name: prepared, text: sql } as unknown as string, parameters);
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

/**
 * Named CTEs of a larger statement, with their own parameters numbered from `$1`: how a repository hands
 * out a write of its table for another module to send in one round trip with others (`combine`).
 */
export interface StatementPart {
  /** `[name, body]` in order; a body may name a CTE of an earlier part, or of its own. */
  ctes: Array<[name: string, body: string]>;
  parameters: unknown[];
}

/**
 * Several parts as one statement, each part's `$n` renumbered after the parts before it. PostgreSQL runs
 * every data-modifying CTE once, read or not, all on one snapshot: parts must not write the same rows.
 */
export function combine(parts: StatementPart[], finalSelect: string): SqlQuery {
  const parameters: unknown[] = [];
  const ctes: string[] = [];
  for (const part of parts) {
    const offset = parameters.length;
    for (const [name, body] of part.ctes) ctes.push(`${name} AS (${body.replace(/\$(\d+)/g, (_match, n: string) => `$${Number(n) + offset}`)})`);
    parameters.push(...part.parameters);
  }
  return { sql: `WITH ${ctes.join(',\n')}\n${finalSelect}`, parameters };
}

/** The parameters `combine` would answer for `parts`, without building the text again (for a text built once). */
export function combinedParameters(parts: StatementPart[]): unknown[] {
  return parts.flatMap((part) => part.parameters);
}

import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/** A statement's text and its `$n` parameters, as the query builders answer them. */
export interface SqlQuery {
  sql: string;
  parameters: unknown[];
}

/** What a transaction's TypeORM query runner holds: pg's client, once connected. */
interface ConnectedRunner {
  readonly isReleased: boolean;
  connect(): Promise<PoolClient>;
}

/**
 * Runs one statement on pg itself: on the connection of the manager's transaction, else on a connection
 * of the pool for this statement alone. `manager.query` would do the same through a new TypeORM query
 * runner per call (its broadcasts, result wrapper and bookkeeping were ~3 % of a send's CPU) and answer
 * UPDATE and DELETE as `[rows, affected]`. Errors keep TypeORM's shapes, which the error envelope maps:
 * a failed statement is a `QueryFailedError`, a failure to get a connection is pg's own error (503).
 */
async function run<T>(manager: EntityManager, query: string | QueryConfig, parameters: unknown[]): Promise<QueryResult<T & object>> {
  const runner = manager.queryRunner as unknown as ConnectedRunner | undefined;
  if (runner) {
    if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    return onClient<T>(await runner.connect(), query, parameters);
  }
  const client = await ((manager.connection.driver as PostgresDriver).master as Pool).connect();
  // A connection that broke while it was lent is dropped, not handed out again (as TypeORM does).
  let broken: Error | undefined;
  const onBroken = (error: Error) => (broken = error);
  client.on('error', onBroken);
  try {
    return await onClient<T>(client, query, parameters);
  } finally {
    client.removeListener('error', onBroken);
    client.release(broken);
  }
}

async function onClient<T>(client: PoolClient, query: string | QueryConfig, parameters: unknown[]): Promise<QueryResult<T & object>> {
  try {
    return await client.query<T & object>(query, parameters);
  } catch (error) {
    const text = typeof query === 'string' ? query : query.text;
    throw new QueryFailedError(text, parameters, error as Error);
  }
}

/** Typed raw SQL on a manager (the caller's transaction, or the data source's): the rows. */
export async function select<T>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await run<T>(manager, sql, parameters)).rows;
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
export async function selectPrepared<T>(manager: EntityManager, name: string, sql: string, parameters: unknown[]): Promise<T[]> {
  let prepared = preparedNames.get(sql);
  if (!prepared) {
    if (preparedNames.size >= MAX_PREPARED_TEXTS) return select(manager, sql, parameters);
    prepared = `${name}_${preparedNames.size}`;
    preparedNames.set(sql, prepared);
  }
  return (await run<T>(manager, { name: prepared, text: sql }, parameters)).rows;
}

/** The first row, or undefined. */
export async function selectOne<T>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<T | undefined> {
  return (await select<T>(manager, sql, parameters))[0];
}

/** An UPDATE or DELETE (with or without RETURNING): its returned rows and how many rows it touched. */
export async function change<T = unknown>(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<{ rows: T[]; count: number }> {
  const result = await run<T>(manager, sql, parameters);
  return { rows: result.rows, count: result.rowCount ?? 0 };
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

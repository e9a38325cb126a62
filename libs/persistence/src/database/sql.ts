import { createHash } from 'node:crypto';

import type { PoolClient, QueryConfig } from 'pg';
import { type EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';

/** Rows and affected-row count of one SQL statement. */
export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/**
 * Runs one parameterised SQL statement on `manager`: inside its transaction when the
 * manager belongs to one (`dataSource.transaction(manager => ...)`), otherwise on a pooled
 * connection in autocommit.
 *
 * Inside a transaction the statement is handed to the connection before this returns, so
 * statements started one after the other without awaiting run in the order they were
 * started, and on a pipelining pool (`ConnectionOptions.pipeline`) they travel
 * together: one round trip for all of them (docs/performance.md "Busy chain"). Await or
 * catch every one of them: after a failed statement, the transaction's later ones fail too.
 *
 * Unlike `manager.query()`, the result has the same shape for every command (TypeORM
 * returns `[rows, count]` for UPDATE and DELETE but `rows` otherwise).
 *
 * Parameters are pg parameters: pass jsonb as `JSON.stringify(value)` (pg would send a JS
 * array as a Postgres array), bigint as `value.toString()` or bigint (both work).
 * @throws QueryFailedError (TypeORM's) with PostgreSQL's error as its `driverError`
 */
export function runSql<Row = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  params: readonly unknown[] = [],
  options: SqlOptions = {},
): Promise<SqlResult<Row>> {
  const transactionRunner = manager.queryRunner;
  const connection = transactionRunner === undefined ? undefined : connectedClient(transactionRunner);
  if (transactionRunner !== undefined && connection !== undefined) return send<Row>(transactionRunner, connection, text, params, options);
  return runOnRunner<Row>(transactionRunner ?? manager.connection.createQueryRunner(), transactionRunner === undefined, text, params, options);
}

async function runOnRunner<Row>(runner: QueryRunner, release: boolean, text: string, params: readonly unknown[], options: SqlOptions): Promise<SqlResult<Row>> {
  try {
    return await send<Row>(runner, (await runner.connect()) as PoolClient, text, params, options);
  } finally {
    if (release) await runner.release();
  }
}

/** The runner's pg connection when it holds one (a transaction's runner does), else undefined. */
function connectedClient(runner: QueryRunner): PoolClient | undefined {
  const connection = (runner as QueryRunner & { databaseConnection?: PoolClient }).databaseConnection;
  return runner.isReleased ? undefined : connection;
}

/**
 * Hands one statement to `client` now (synchronously), logged and failing as TypeORM's
 * `query` does.
 */
async function send<Row>(runner: QueryRunner, client: PoolClient, text: string, params: readonly unknown[], options: SqlOptions): Promise<SqlResult<Row>> {
  runner.connection.logger.logQuery(text, params as unknown[], runner);
  try {
    // client.query runs now, before the first await: the statement is queued or written in call order.
    const result = await client.query(options.prepared ? preparedQuery(text, params) : { text, values: params as unknown[] });
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  } catch (error: unknown) {
    runner.connection.logger.logQueryError(error instanceof Error ? error : String(error), text, params as unknown[], runner);
    throw new QueryFailedError(text, params as unknown[], error as Error);
  }
}

/**
 * Awaits statements started together in one transaction ({@link runSql}), in the order they
 * were started, and resolves with their results in that order. The failure reported is the
 * first statement's that failed: those after it fail because it aborted the transaction
 * (their errors are caught here, never left unhandled).
 * @throws the first failure, in the order given
 */
export async function inSendOrder<T extends readonly unknown[]>(...statements: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  for (const statement of statements) statement.catch(() => undefined);
  const results: unknown[] = [];
  for (const statement of statements) results.push(await statement);
  return results as unknown as T;
}

/** Options of {@link runSql}. */
export interface SqlOptions {
  /**
   * Run it as a named prepared statement ({@link preparedQuery}): parsed and planned once
   * per pooled connection, not at every run. For a statement of fixed text run very often
   * whose planning costs more than its execution: a payment's create statement (CTEs over
   * five tables) spends about half of PostgreSQL's CPU in parse and plan when unnamed.
   */
  prepared?: boolean;
}

const statementNames = new Map<string, string>();

/**
 * `text` as a named prepared statement of PostgreSQL's extended query protocol (node-pg
 * prepares a name once per connection, then only binds and executes it). The name is
 * derived from the text, so two texts never share one and a text keeps its name. Only for
 * statements whose text takes a few shapes: each shape stays prepared on every connection
 * for the connection's life. PgBouncer in transaction mode needs `max_prepared_statements`
 * (1.21 or later) for them.
 */
export function preparedQuery(text: string, params: readonly unknown[]): QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `kassa_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
}

/** Rows of one SQL statement; see {@link runSql}. */
export async function selectRows<Row>(manager: EntityManager, text: string, params: readonly unknown[] = [], options: SqlOptions = {}): Promise<Row[]> {
  return (await runSql<Row>(manager, text, params, options)).rows;
}

/** The first row of one SQL statement, or null; see {@link runSql}. */
export async function selectOne<Row>(manager: EntityManager, text: string, params: readonly unknown[] = [], options: SqlOptions = {}): Promise<Row | null> {
  return (await runSql<Row>(manager, text, params, options)).rows[0] ?? null;
}

/**
 * A builder for the WHERE clause of a filtered list query: each `add` appends one
 * condition with its parameter as the next `$n`.
 */
export class SqlConditions {
  private readonly conditions: string[] = [];

  constructor(readonly params: unknown[] = []) {}

  /** Adds `condition`, where every `?` stands for `value`'s one placeholder. */
  add(condition: string, value: unknown): this {
    this.params.push(value);
    this.conditions.push(condition.replace(/\?/g, `$${this.params.length}`));
    return this;
  }

  /** A placeholder for `value`, numbered after every parameter so far: for LIMIT, or a value a condition uses more than once. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  toString(): string {
    return this.conditions.join(' AND ');
  }
}

import type { EntityManager, QueryResult } from 'typeorm';

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
 * Unlike `manager.query()`, the result has the same shape for every command (TypeORM
 * returns `[rows, count]` for UPDATE and DELETE but `rows` otherwise).
 *
 * Parameters are pg parameters: pass jsonb as `JSON.stringify(value)` (pg would send a JS
 * array as a Postgres array), bigint as `value.toString()` or bigint (both work).
 */
export async function runSql<Row = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<Row>> {
  const transactionRunner = manager.queryRunner;
  const runner = transactionRunner ?? manager.connection.createQueryRunner();
  try {
    const result = (await runner.query(text, params as unknown[], true)) as QueryResult<Row>;
    return { rows: result.records ?? [], rowCount: result.affected ?? 0 };
  } finally {
    if (transactionRunner === undefined) await runner.release();
  }
}

/** Rows of one SQL statement; see {@link runSql}. */
export async function selectRows<Row>(manager: EntityManager, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  return (await runSql<Row>(manager, text, params)).rows;
}

/** The first row of one SQL statement, or null; see {@link runSql}. */
export async function selectOne<Row>(manager: EntityManager, text: string, params: readonly unknown[] = []): Promise<Row | null> {
  return (await runSql<Row>(manager, text, params)).rows[0] ?? null;
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

  /** The next placeholder after the conditions' parameters, for LIMIT and the like. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  toString(): string {
    return this.conditions.join(' AND ');
  }
}

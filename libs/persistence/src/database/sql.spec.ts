import { QueryFailedError } from 'typeorm';

import { useTestDatabase } from '@kassa/testing';

import { createDataSourceOptions } from '../data-source';
import { inSendOrder, preparedQuery, runSql, selectRows } from './sql';

describe('runSql with prepared statements', () => {
  const db = useTestDatabase();

  it('prepares a statement once on its connection and runs it again by name', async () => {
    const text = 'SELECT $1::int + 1 AS next';
    const { name } = preparedQuery(text, []);
    await db.dataSource.transaction(async (manager) => {
      for (const value of [1, 2, 3]) {
        expect((await runSql<{ next: number }>(manager, text, [value], { prepared: true })).rows).toEqual([{ next: value + 1 }]);
      }
      // The statements of this connection: the one name, with its text.
      expect(await selectRows(manager, 'SELECT name, statement FROM pg_prepared_statements WHERE name = $1', [name])).toEqual([{ name, statement: text }]);
    });
    // Outside a transaction, on a pooled connection.
    expect((await runSql<{ next: number }>(db.dataSource.manager, text, [41], { prepared: true })).rows).toEqual([{ next: 42 }]);
  });

  it('names each text apart and keeps a text\'s name', () => {
    const first = preparedQuery('SELECT 1', []);
    expect(preparedQuery('SELECT 1', [1]).name).toBe(first.name);
    expect(preparedQuery('SELECT 2', []).name).not.toBe(first.name);
  });

  it('fails as TypeORM\'s query does, with the database error inside', async () => {
    const failure = await runSql(db.dataSource.manager, 'SELECT 1 / $1::int', [0], { prepared: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code?: string } }).driverError.code).toBe('22012');
  });
});

describe('statements started together in a transaction', () => {
  const db = useTestDatabase();

  it('pipelines the pool\'s connections unless told not to', () => {
    expect(createDataSourceOptions('postgres://localhost/kassa').extra).toMatchObject({ pipeline: true });
    expect(createDataSourceOptions('postgres://localhost/kassa', { pipeline: false }).extra).toMatchObject({ pipeline: false });
  });

  it('runs them in the order they were started, each seeing what the ones before wrote', async () => {
    const seen = await db.dataSource.transaction(async (manager) => {
      await runSql(manager, 'CREATE TEMPORARY TABLE pipelined (n int) ON COMMIT DROP');
      // Prepared and unprepared mixed: neither kind may overtake the other.
      const [, , , read] = await inSendOrder(
        runSql(manager, 'INSERT INTO pipelined (n) VALUES ($1)', [1], { prepared: true }),
        runSql(manager, 'UPDATE pipelined SET n = n * 10'),
        runSql(manager, 'INSERT INTO pipelined (n) SELECT max(n) + $1::int FROM pipelined', [5], { prepared: true }),
        selectRows<{ n: number }>(manager, 'SELECT n FROM pipelined ORDER BY n'),
      );
      return read.map((row) => row.n);
    });
    expect(seen).toEqual([10, 15]);
  });

  it('reports the first statement that failed, not those it aborted, and rolls back', async () => {
    const failure = await db.dataSource
      .transaction(async (manager) => {
        await runSql(manager, 'CREATE TABLE pipelined_failure (n int)');
        await inSendOrder(
          runSql(manager, 'INSERT INTO pipelined_failure (n) VALUES (1)'),
          runSql(manager, 'SELECT 1 / $1::int', [0], { prepared: true }),
          runSql(manager, 'INSERT INTO pipelined_failure (n) VALUES (2)'),
        );
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    // Division by zero, not the aborted transaction (25P02) of the insert after it.
    expect((failure as QueryFailedError & { driverError: { code?: string } }).driverError.code).toBe('22012');
    expect(await selectRows(db.dataSource.manager, `SELECT to_regclass('pipelined_failure') AS name`)).toEqual([{ name: null }]);
  });
});

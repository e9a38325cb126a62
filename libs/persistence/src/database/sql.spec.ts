import { QueryFailedError } from 'typeorm';

import { useTestDatabase } from '@kassa/testing';

import { preparedQuery, runSql, selectRows } from './sql';

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

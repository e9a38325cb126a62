import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { createDataSourceOptions } from '@kassa/persistence';

import { databaseUrlFor, TEST_PG_ENV, withClient } from './test-postgres';

/** A database of one test file. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing any connection left open. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Clone the migrated template (default), or create an empty database (to test migrations). */
  migrated?: boolean;
}

function testServer(): { adminUrl: string; template: string; databasePrefix: string; cloneStrategy: string } {
  const adminUrl = process.env[TEST_PG_ENV.adminUrl];
  const template = process.env[TEST_PG_ENV.template];
  const databasePrefix = process.env[TEST_PG_ENV.databasePrefix];
  const cloneStrategy = process.env[TEST_PG_ENV.cloneStrategy] ?? '';
  if (!adminUrl || !template || !databasePrefix) {
    throw new Error(
      `${TEST_PG_ENV.adminUrl} is not set: run the tests through the root Jest config (npx jest ...), ` +
        `whose globalSetup (libs/testing/src/jest/global-setup.ts) starts PostgreSQL.`,
    );
  }
  return { adminUrl, template, databasePrefix, cloneStrategy };
}

/**
 * Creates a fresh database for one test file: `CREATE DATABASE kassa_test_<run>_<random>
 * TEMPLATE kassa_template`, a copy of the schema migrated once by the global setup, so test
 * files never see each other's rows and may run in any order or in parallel.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = testServer();
  const name = `${server.databasePrefix}${randomBytes(5).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : server.template;
  const strategy = server.cloneStrategy === 'FILE_COPY' ? ' STRATEGY FILE_COPY' : '';
  await withClient(server.adminUrl, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}${strategy}`),
  );
  return {
    name,
    url: databaseUrlFor(server.adminUrl, name),
    drop: () =>
      withClient(server.adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      }),
  };
}

/** A test file's database and an initialised TypeORM `DataSource` on it. */
export interface TestDatabaseHandle {
  readonly url: string;
  readonly dataSource: DataSource;
}

/**
 * Registers `beforeAll`/`afterAll` hooks giving the calling test file its own migrated
 * database and a `DataSource` (pool of 5) on it; read the handle's fields inside tests.
 *
 * ```ts
 * const db = useTestDatabase();
 * it('...', async () => { const payments = new PaymentsRepository(db.dataSource); ... });
 * ```
 */
export function useTestDatabase(): TestDatabaseHandle {
  let database: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 5 })).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The test database is ready only inside tests and hooks (after beforeAll)');
    return value;
  };
  return {
    get url() {
      return ready(database).url;
    },
    get dataSource() {
      return ready(dataSource);
    },
  };
}

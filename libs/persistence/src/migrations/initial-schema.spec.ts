import { DataSource } from 'typeorm';

import { createTestDatabase, type TestDatabase } from '@kassa/testing';

import { createDataSourceOptions, revertLastMigration, runMigrations } from '../data-source';
import { MIGRATIONS } from './index';

const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name);

/** Reverts every migration, newest first. */
async function revertAll(url: string): Promise<void> {
  for (let i = 0; i < MIGRATIONS.length; i += 1) await revertLastMigration(url);
}

const TABLES = [
  'api_keys',
  'chain_blocks',
  'chain_cursors',
  'chain_identities',
  'chain_status',
  'dashboard_sessions',
  'dashboard_tokens',
  'dashboard_users',
  'events',
  'idempotency_keys',
  'merchant_treasuries',
  'merchants',
  'payment_links',
  'payment_options',
  'payments',
  'payouts',
  'refunds',
  'rescues',
  'settlement_amounts',
  'settlement_policies',
  'settlement_transactions',
  'settlements',
  'transfers',
  'watcher_leaders',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
];

describe('initial schema migration', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  // An empty database of its own for each test.
  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
    dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 2 })).initialize();
  });

  afterEach(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const tables = async (): Promise<string[]> =>
    (
      await dataSource.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name`,
      )
    ).map((row) => row.table_name);

  it('creates every table on an empty database, once', async () => {
    expect(await runMigrations(database.url)).toEqual(MIGRATION_NAMES);
    expect(await tables()).toEqual(TABLES);
    expect(await runMigrations(database.url)).toEqual([]);
  });

  it('runs concurrently from several processes without applying a migration twice', async () => {
    const applied = await Promise.all([runMigrations(database.url), runMigrations(database.url), runMigrations(database.url)]);
    expect(applied.flat()).toEqual(MIGRATION_NAMES);
  });

  it('reverts to an empty database and applies again', async () => {
    await runMigrations(database.url);
    await revertAll(database.url);
    expect(await tables()).toEqual([]);
    const functions = await dataSource.query(`SELECT 1 FROM pg_proc WHERE proname = 'kassa_new_id'`);
    expect(functions).toHaveLength(0);

    expect(await runMigrations(database.url)).toEqual(MIGRATION_NAMES);
    expect(await tables()).toEqual(TABLES);
  });
});

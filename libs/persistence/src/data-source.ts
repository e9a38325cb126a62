import { DataSource, type DataSourceOptions } from 'typeorm';

import { MIGRATIONS } from './migrations';

/** Connection settings beyond the URL; every field has a safe default. */
export interface ConnectionOptions {
  /** Largest number of pooled connections of this process. Default 10. */
  poolSize?: number;
  /** `application_name` shown in `pg_stat_activity`. Default "kassa". */
  applicationName?: string;
  /** Log every SQL statement through TypeORM's logger. Default false. */
  logging?: boolean;
  /**
   * Pipeline each connection (node-postgres `pipeline`): statements started without
   * awaiting the one before are written at once and answered in order, one round trip for
   * all (`runSql`). A pipelining connection cannot run a cursor or a stream
   * (`pg-query-stream`: exports take a connection outside the pool). Default true.
   */
  pipeline?: boolean;
}

export const DEFAULT_POOL_SIZE = 10;

/** Name of the table in which TypeORM records the migrations that ran. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * TypeORM options for Kassa's PostgreSQL database. Entities and migrations are listed as
 * classes; the schema is only ever changed by migrations (`synchronize` is off and
 * migrations never run implicitly: call {@link runMigrations}).
 *
 * @param databaseUrl `postgres://user:password@host:port/database`
 */
export function createDataSourceOptions(databaseUrl: string, options: ConnectionOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    // No entities: the repositories write their SQL by hand (docs/architecture.md "Decisions").
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    applicationName: options.applicationName ?? 'kassa',
    extra: { connectionTimeoutMillis: 10_000, pipeline: options.pipeline ?? true },
  };
}

// Any 64-bit constant shared by every Kassa process; it serialises concurrent migration runs.
const MIGRATION_LOCK_KEY = 7_263_551_843_331_401n;

/**
 * Applies every pending migration, each in its own transaction. Safe to call from several
 * processes starting at once: they take turns on a PostgreSQL advisory lock, and the later
 * ones find nothing left to do.
 *
 * @returns the names of the migrations applied (empty when the schema was up to date)
 * @throws the database error of the first failing migration (its transaction is rolled back)
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 2, applicationName: 'kassa-migrations' }));
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}

/**
 * Reverts the most recent migration. For tests and operators' rollbacks; never called at
 * start-up.
 */
export async function revertLastMigration(databaseUrl: string): Promise<void> {
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 1, applicationName: 'kassa-migrations' }));
  await dataSource.initialize();
  try {
    await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

import './register-paths';

import { performance } from 'node:perf_hooks';

import { startTestPostgres, TEST_PG_ENV, type TestPostgres } from '../postgres/test-postgres';
import { TEST_POSTGRES_GLOBAL } from './global-state';

/**
 * Jest global setup: one PostgreSQL server for the whole run (DESIGN.md "Tests": the
 * server from `DATABASE_URL` when set, else an embedded one), with a migrated template
 * database; test files clone it with `createTestDatabase()`.
 */
export default async function globalSetup(): Promise<void> {
  const started = performance.now();
  const postgres: TestPostgres = await startTestPostgres(process.env.DATABASE_URL || undefined);
  (globalThis as Record<string, unknown>)[TEST_POSTGRES_GLOBAL] = postgres;
  process.env[TEST_PG_ENV.adminUrl] = postgres.adminUrl;
  process.env[TEST_PG_ENV.template] = postgres.template;
  process.env[TEST_PG_ENV.databasePrefix] = postgres.databasePrefix;
  process.env[TEST_PG_ENV.cloneStrategy] = postgres.cloneStrategy;
  const { serverMs, templateMs } = postgres.timings;
  process.stdout.write(
    `\nPostgreSQL for tests (${postgres.kind}) ready in ${Math.round(performance.now() - started)} ms: ` +
      `server ${Math.round(serverMs)} ms, migrated template ${Math.round(templateMs)} ms\n`,
  );
}

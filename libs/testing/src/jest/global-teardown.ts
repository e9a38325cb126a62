import type { TestPostgres } from '../postgres/test-postgres';
import { TEST_POSTGRES_GLOBAL } from './global-state';

/** Jest global teardown: stops the embedded PostgreSQL server (or drops this run's databases on an external one). */
export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as Record<string, unknown>;
  const postgres = globals[TEST_POSTGRES_GLOBAL] as TestPostgres | undefined;
  delete globals[TEST_POSTGRES_GLOBAL];
  await postgres?.stop();
}

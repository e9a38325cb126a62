export * from './test-database';
export { databaseUrlFor, TEST_PG_ENV, type TestPostgres } from './test-postgres';

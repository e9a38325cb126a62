/** The key under which global-setup.ts leaves the test server for global-teardown.ts (same process). */
export const TEST_POSTGRES_GLOBAL = '__kassaTestPostgres';

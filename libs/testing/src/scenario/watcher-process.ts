import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';

import type { ChainConfig } from '@kassa/config';

/** A real Kassa process (`apps/<app>/src/main.ts`), as an operator runs it. */
export interface WatcherProcess {
  pid: number;
  /** Its `chain_status.watcher_id`: `<hostname>:<pid>`. */
  watcherId: string;
  /** Its stdout and stderr so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (default SIGKILL: no shutdown hook runs) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../../../..');
const OUTPUT_LIMIT = 64 * 1024;
/** Processes started here and still running; killed when the test process exits. */
const running = new Set<WatcherProcess>();
process.once('exit', () => {
  for (const watcher of running) {
    try {
      process.kill(watcher.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/**
 * Starts `node -r ./scripts/register.js apps/watcher/src/main.ts` with only the given
 * settings in its environment (DATABASE_URL, KASSA_CHAINS). It dies with the test process:
 * its stdin is a pipe whose closing makes it exit (libs/testing `exit-with-parent.js`).
 */
export function spawnWatcher(settings: { databaseUrl: string; chains: readonly ChainConfig[]; logLevel?: string }): WatcherProcess {
  return spawnKassaApp('watcher', {
    DATABASE_URL: settings.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    KASSA_CHAINS: JSON.stringify(settings.chains),
    KASSA_LOG_LEVEL: settings.logLevel ?? 'warn',
  });
}

/**
 * Node's arguments that run one of the repository's programs: compiled, as `npm run serve:*`
 * runs the apps (source maps on, `@kassa/*` resolved to dist/ by `scripts/register-built.js`),
 * or from its TypeScript sources (ts-node with SWC, `scripts/register.js`).
 * @param file the program, relative to the repository: a .js under dist/ when `built`
 */
export function nodeEntry(file: string, built: boolean): string[] {
  const register = built ? ['--enable-source-maps', '--require', path.join(ROOT, 'scripts/register-built.js')] : ['--require', path.join(ROOT, 'scripts/register.js')];
  return [...register, path.join(ROOT, file)];
}

/**
 * Starts one of Kassa's apps as its own process (`node -r ./scripts/register.js
 * apps/<app>/src/main.ts`) with only `env` (and `NO_COLOR`) in its environment; it dies with
 * the test process like {@link spawnWatcher}'s.
 * @param nodeArgs more options for node (e.g. `--cpu-prof`, which NODE_OPTIONS refuses)
 * @param options.built run the compiled app in `dist/` as the image does (`npm run serve:<app>`;
 *   `npm run build` first) instead of its TypeScript sources
 */
export function spawnKassaApp(
  app: 'api' | 'watcher' | 'worker',
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  options: { built?: boolean } = {},
): WatcherProcess {
  const entry = options.built ? nodeEntry(`dist/apps/${app}/src/main.js`, true) : nodeEntry(`apps/${app}/src/main.ts`, false);
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--require', path.join(ROOT, 'libs/chain/src/local/exit-with-parent.js'), ...entry],
    { cwd: ROOT, env: { ...env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error('The watcher process did not start');
  const watcher: WatcherProcess = {
    pid,
    watcherId: `${hostname()}:${pid}`,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  running.add(watcher);
  void exited.then(() => running.delete(watcher));
  return watcher;
}

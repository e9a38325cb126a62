import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import ts from 'typescript';

import { type KassaTestChainOptions, type LocalChain, type LocalChainSettings, startLocalChain } from '@kassa/chain';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@kassa/persistence';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Compiles the apps into dist/ as the image does (`npm run build`).
 * @returns how long it took, seconds
 * @throws Error when the build fails
 */
export function buildApps(): number {
  const started = performance.now();
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

/**
 * Compiles one benchmark server (a TypeScript file under bench/) into dist/ beside the apps,
 * with the build's compiler options, so that it runs as the compiled apps run (its
 * `@kassa/*` imports resolved to dist/ by `scripts/register-built.js`). Transpiled only:
 * `tsc -p tsconfig.json` checks its types. Call {@link buildApps} first.
 * @param source the file, relative to the repository
 * @returns the compiled file, relative to the repository
 */
export function compileBenchServer(source: string): string {
  const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.build.json'), (file) => ts.sys.readFile(file));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, source), 'utf8'), {
    compilerOptions: { ...options, sourceMap: false, declaration: false },
    fileName: source,
  });
  const compiled = path.join('dist', source.replace(/\.ts$/, '.js'));
  mkdirSync(path.dirname(path.join(ROOT, compiled)), { recursive: true });
  writeFileSync(path.join(ROOT, compiled), outputText);
  return compiled;
}

/** Commander parser of a positive integer option. @throws InvalidArgumentError otherwise */
export const positiveInt = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One line naming the machine a benchmark ran on, printed first. */
export function machineLine(): string {
  return `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** `/proc/<pid>/stat` fields after the command name: state is [0], ppid [1], utime [11], stime [12]. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone
  }
}

/** User and system CPU time, milliseconds, of a process's {@link statFields}. */
function cpuMsOf(fields: readonly string[]): number {
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** User and system CPU time of a process so far, milliseconds (`/proc/<pid>/stat`); 0 once it is gone. */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return fields ? cpuMsOf(fields) : 0;
}

/**
 * CPU so far of each process of one PostgreSQL server: its postmaster (the pid in
 * `postmaster.pid`) and every process the postmaster started (backends, WAL writer,
 * autovacuum workers), milliseconds by pid (`/proc`). Other servers on the machine are
 * not counted.
 */
export function postgresCpuByProcess(postgres: EmbeddedPostgres): Map<number, number> {
  const postmaster = Number(readFileSync(path.join(postgres.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const cpu = new Map<number, number>([[postmaster, processCpuMs(postmaster)]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === postmaster) cpu.set(Number(entry), cpuMsOf(fields));
  }
  return cpu;
}

/**
 * PostgreSQL CPU between two readings of {@link postgresCpuByProcess}, milliseconds: what
 * each process used meanwhile, a process started meanwhile counted whole. A process that
 * ended meanwhile is left out (a pool's connection closed after sitting idle used nothing;
 * a total of all processes would instead lose what it had used before).
 */
export function postgresCpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let used = 0;
  for (const [pid, cpu] of after) used += cpu - (before.get(pid) ?? 0);
  return used;
}

/** A JSON-RPC batch over plain HTTP. @throws Error on the first error answer */
export async function rpc(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((call, id) => ({ jsonrpc: '2.0', id, ...call }))),
  });
  const answers = (await response.json()) as { result?: unknown; error?: unknown }[];
  const failed = answers.find((answer) => answer.error !== undefined);
  if (failed) throw new Error(`JSON-RPC error: ${JSON.stringify(failed.error)}`);
  return answers.map((answer) => answer.result);
}

/** Runs one statement on the server's maintenance database (CREATE / DROP DATABASE). */
export async function admin(postgres: EmbeddedPostgres, sql: string): Promise<void> {
  const client = new Client({ connectionString: postgres.adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Prints the machine line, starts a throw-away embedded PostgreSQL and a local chain (one
 * confirmation, then `chain`'s settings), runs `work` on them and stops both, however it ends.
 */
export async function withBenchInfrastructure(
  chain: KassaTestChainOptions & LocalChainSettings,
  work: (postgres: EmbeddedPostgres, chain: LocalChain) => Promise<void>,
): Promise<void> {
  console.log(machineLine());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kassa-bench-pg-'));
  const [postgres, local] = await Promise.all([startEmbeddedPostgres({ dataDir, persistent: false }), startLocalChain({ confirmations: 1, ...chain })]);
  try {
    await work(postgres, local);
  } finally {
    await local.stop();
    await postgres.stop();
  }
}

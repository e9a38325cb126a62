/**
 * Merchant API benchmark (DESIGN.md "Performance", issue 5): `npm run bench:api`.
 *
 * Create-payment throughput and latency of the real Kassa API (`apps/api`, in its own
 * process: authentication, rate limiting, validation, idempotency-free create with its
 * `payment.created` event in one statement, the full payment object in the answer) against
 * two bare Fastify + pg baselines (bench/support/bare-create-payment.server.ts): `one-row`
 * computes and inserts the same `payments` row alone; `create-sql` runs the very statement
 * Kassa runs for a create (payment, option, event, deliveries, notifications), grouping the
 * creates that arrive while earlier ones are written as Kassa does, and answers the same
 * object; `create-sql-alone` runs that statement for each create on its own (how Kassa
 * wrote creates before it grouped them). Each is driven by the same autocannon load, side by side in one run, in
 * alternating rounds. Prints req/s, p99 and the CPU each request cost the server process and
 * PostgreSQL (`/proc`) per round, and Kassa's median throughput over each baseline's
 * (targets >= 0.8 of `create-sql`, >= 0.5 of `one-row`).
 *
 * `--idempotency-keys` gives each of Kassa's requests a new `Idempotency-Key`, as
 * `@kassa/sdk` sends one with every create (the baselines have no keys).
 *
 * The four servers run compiled, as the image runs the API (`npm run build`, then
 * `npm run serve:api`'s node options; the baselines compiled beside it with the same compiler
 * options); `--sources` runs all four from their TypeScript sources instead.
 *
 * The servers share one embedded PostgreSQL with durable settings (fsync on, as in
 * production) and the same pool size. The create path needs no chain node: only a chain
 * configuration (factory and implementation addresses) to derive deposit addresses.
 * Rate limiting stays on in the API, with a limit no run reaches.
 *
 * Not a test: nothing is asserted; the figures go to docs/performance.md.
 */
import 'reflect-metadata';

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';
import { Command, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';

import { createDataSourceOptions, findFreePort, runMigrations, startEmbeddedPostgres } from '@kassa/persistence';

import { createMerchantWithKey } from '@kassa/api';
import { nodeEntry } from '@kassa/testing/scenario';
import { buildApps, compileBenchServer, median, postgresCpuBetween, postgresCpuByProcess, processCpuMs } from './support/bench-support';

interface Options {
  duration: number;
  connections: number;
  rounds: number;
  poolSize: number;
  sources: boolean;
  idempotencyKeys: boolean;
}

const SERVERS = ['one-row', 'create-sql', 'create-sql-alone', 'kassa'] as const;
type Server = (typeof SERVERS)[number];

interface Round {
  server: Server;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU per request, ms: the server process's own, and PostgreSQL's (all its processes). */
  serverCpuMs: number;
  postgresCpuMs: number;
}

const ROOT = path.resolve(__dirname, '..');
const BASELINE = 'bench/support/bare-create-payment.server.ts';
const TREASURY = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** A chain as KASSA_CHAINS gives it (defaults filled in by the configuration). */
const CHAIN = {
  chainId: 31337,
  name: 'Benchmark chain (no node)',
  rpcUrls: ['http://127.0.0.1:9'],
  confirmations: 3,
  factoryAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  implementationAddress: '0xa16E02E87b7454126E5E10d957A927A7F5B5d2be',
  tokens: [{ symbol: 'USDC', address: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', decimals: 6 }],
};
const BODY = JSON.stringify({ amount: '25.50', currency: 'USDC', orderId: 'bench', metadata: { cart: 'c_77' } });

const positive = (name: string) => (value: string) => {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return Number(value);
};

/**
 * Starts a server as a child process and resolves once `url` answers 200.
 * @param entry node's arguments that run it ({@link nodeEntry})
 */
async function startServer(name: string, entry: string[], args: string[], env: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(url).then((response) => response.ok, () => false);
    if (up) return child;
    if (Date.now() > deadline) throw new Error(`${name} did not start within 120 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Loads `url` with creates for `duration` seconds.
 * @param keyed each request carries a new `Idempotency-Key`, as `@kassa/sdk` sends one with every create
 */
async function load(url: string, headers: Record<string, string>, options: Options, duration: number, keyed = false): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/payments`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: BODY,
    connections: options.connections,
    duration,
    ...(keyed ? { requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'idempotency-key': randomUUID() } }) }] } : {}),
  });
}

/** Node's arguments for the Kassa API and the baselines: compiled (default) or from their sources. */
function serverCode(options: Options): { api: string[]; baseline: string[] } {
  if (options.sources) return { api: nodeEntry('apps/api/src/main.ts', false), baseline: nodeEntry(BASELINE, false) };
  const seconds = buildApps();
  const baseline = compileBenchServer(BASELINE);
  process.stdout.write(`Compiled the apps (npm run build) and the baselines in ${seconds.toFixed(1)} s; all four servers run from dist/\n`);
  return { api: nodeEntry('dist/apps/api/src/main.js', true), baseline: nodeEntry(baseline, true) };
}

async function main(options: Options): Promise<void> {
  const code = serverCode(options);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kassa-bench-api-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'kassa_bench', settings: { max_connections: '100' } });
  const children: ChildProcess[] = [];
  try {
    await runMigrations(pg.url);
    const dataSource = await new DataSource(createDataSourceOptions(pg.url, { poolSize: 1 })).initialize();
    const merchant = await createMerchantWithKey(dataSource, { name: 'Benchmark Shop', treasuryAddress: TREASURY });
    await dataSource.destroy();

    const [kassaPort, barePort, sqlPort, sqlAlonePort] = [await findFreePort(), await findFreePort(), await findFreePort(), await findFreePort()];
    const common = {
      DATABASE_URL: pg.url,
      DATABASE_POOL_SIZE: String(options.poolSize),
      KASSA_API_HOST: '127.0.0.1',
      KASSA_CHAINS: JSON.stringify([CHAIN]),
      KASSA_LOG_LEVEL: 'warn',
    };
    const kassaUrl = `http://127.0.0.1:${kassaPort}`;
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const sqlUrl = `http://127.0.0.1:${sqlPort}`;
    const sqlAloneUrl = `http://127.0.0.1:${sqlAlonePort}`;
    children.push(
      await startServer('the Kassa API', code.api, [], { ...common, KASSA_API_PORT: String(kassaPort), KASSA_RATE_LIMIT_API_PER_MINUTE: '1000000000' }, `${kassaUrl}/health/live`),
      await startServer('the one-row baseline', code.baseline, [merchant.merchantId, TREASURY, 'one-row'], { ...common, KASSA_API_PORT: String(barePort) }, `${bareUrl}/health`),
      await startServer('the create-sql baseline', code.baseline, [merchant.merchantId, TREASURY, 'create-sql'], { ...common, KASSA_API_PORT: String(sqlPort) }, `${sqlUrl}/health`),
      await startServer('the create-sql-alone baseline', code.baseline, [merchant.merchantId, TREASURY, 'create-sql-alone'], { ...common, KASSA_API_PORT: String(sqlAlonePort) }, `${sqlAloneUrl}/health`),
    );
    const [kassaServer, oneRowServer, createSqlServer, createSqlAloneServer] = children as [ChildProcess, ChildProcess, ChildProcess, ChildProcess];
    const targets: Record<Server, { url: string; headers: Record<string, string>; pid: number }> = {
      'one-row': { url: bareUrl, headers: {}, pid: oneRowServer.pid! },
      'create-sql': { url: sqlUrl, headers: {}, pid: createSqlServer.pid! },
      'create-sql-alone': { url: sqlAloneUrl, headers: {}, pid: createSqlAloneServer.pid! },
      kassa: { url: kassaUrl, headers: { authorization: `Bearer ${merchant.apiKey}` }, pid: kassaServer.pid! },
    };
    const keyed = (server: Server) => server === 'kassa' && options.idempotencyKeys;

    process.stdout.write(`Warming up (3 s each) ...\n`);
    for (const server of SERVERS) await load(targets[server].url, targets[server].headers, options, 3, keyed(server));

    const rounds: Round[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const server of SERVERS) {
        const { url, headers, pid } = targets[server];
        const serverCpuBefore = processCpuMs(pid);
        const postgresCpuBefore = postgresCpuByProcess(pg);
        const result = await load(url, headers, options, options.duration, keyed(server));
        const perRequest = (cpuMs: number) => cpuMs / Math.max(1, result.requests.total);
        const measured: Round = {
          server,
          requestsPerSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          serverCpuMs: perRequest(processCpuMs(pid) - serverCpuBefore),
          postgresCpuMs: perRequest(postgresCpuBetween(postgresCpuBefore, postgresCpuByProcess(pg))),
        };
        rounds.push(measured);
        process.stdout.write(
          `round ${round}  ${server.padEnd(16)}  ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s  ` +
            `p50 ${measured.p50} ms  p99 ${measured.p99} ms  CPU per request: server ${measured.serverCpuMs.toFixed(3)} ms, PostgreSQL ${measured.postgresCpuMs.toFixed(3)} ms${measured.non2xx || measured.errors ? `  non-2xx ${measured.non2xx}, errors ${measured.errors}` : ''}\n`,
        );
      }
    }

    const of = (server: Server) => rounds.filter((round) => round.server === server);
    const summary = (server: Server) => ({
      rps: median(of(server).map((round) => round.requestsPerSecond)),
      p99: median(of(server).map((round) => round.p99)),
      cpu: `CPU per request: server ${median(of(server).map((round) => round.serverCpuMs)).toFixed(3)} ms, PostgreSQL ${median(of(server).map((round) => round.postgresCpuMs)).toFixed(3)} ms`,
    });
    const oneRow = summary('one-row');
    const createSql = summary('create-sql');
    const createSqlAlone = summary('create-sql-alone');
    const kassa = summary('kassa');
    process.stdout.write('\n');
    process.stdout.write(`Create payment, ${options.connections} connections, ${options.duration} s x ${options.rounds} rounds, pool ${options.poolSize}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})\n`);
    const line = (label: string, figures: ReturnType<typeof summary>) =>
      process.stdout.write(`  ${label.padEnd(46)}${figures.rps.toFixed(0).padStart(6)} req/s   p99 ${figures.p99} ms   ${figures.cpu}\n`);
    line('bare Fastify, one-row insert', oneRow);
    line("bare Fastify, Kassa's create SQL", createSql);
    line("bare Fastify, Kassa's create SQL, each alone", createSqlAlone);
    line(options.idempotencyKeys ? 'Kassa POST /v1/payments, each with a new key' : 'Kassa POST /v1/payments', kassa);
    process.stdout.write(`  ratio Kassa / create SQL: ${(kassa.rps / createSql.rps).toFixed(2)} (target >= 0.80)\n`);
    process.stdout.write(`  ratio Kassa / one row:    ${(kassa.rps / oneRow.rps).toFixed(2)} (target >= 0.50)\n`);
    process.stdout.write(`  create SQL grouped / each alone: ${(createSql.rps / createSqlAlone.rps).toFixed(2)}\n`);
    if (rounds.some((round) => round.non2xx > 0 || round.errors > 0)) process.stdout.write('  WARNING: some requests failed; the figures are not comparable\n');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await pg.stop();
  }
}

const program = new Command('bench:api')
  .description('Create-payment throughput and p99: the Kassa API vs bare Fastify + pg baselines (one row; Kassa\'s own create statement)')
  .option('--duration <seconds>', 'seconds per measured run', positive('duration'), 10)
  .option('--connections <n>', 'concurrent connections of the load generator', positive('connections'), 16)
  .option('--rounds <n>', 'alternating measured rounds per server', positive('rounds'), 2)
  .option('--pool-size <n>', 'database connections of each server', positive('pool-size'), 10)
  .option('--sources', 'run the servers from their TypeScript sources instead of compiled', false)
  .option('--idempotency-keys', "Kassa's requests each carry a new Idempotency-Key, as the SDK sends (the baselines have no keys: the ratios then compare more work with less)", false)
  .action((options: Options) => main(options));

program.parseAsync(process.argv).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

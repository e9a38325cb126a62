/**
 * The busy-chain benchmark (docs/performance.md "Busy chain"): `npm run bench:busy-chain`.
 *
 * Seeds one Hardhat chain with `--blocks` blocks carrying `--erc20` USDC transfers and
 * `--native` native-coin transfers, each to its own open payment (one transaction per
 * transfer, signed by the node's unlocked customer accounts), every transfer paying its
 * payment in full. Then, in this one run, side by side:
 *
 * 1. bare reads: the blocks with their transactions and the USDC `Transfer` logs of every
 *    100 blocks, 16 requests in flight, matched against a Set of the deposit addresses;
 * 2. Kassa's watcher as its own process, compiled as the image runs it (`npm run build`, then
 *    `dist/apps/watcher/src/main.js`; `--sources` runs `apps/watcher/src/main.ts` instead), on a
 *    fresh database holding the open payments, until every payment is PAID: wall time,
 *    blocks/s, watched transfers/s, CPU of the watcher and of PostgreSQL, the watcher's peak
 *    memory;
 * 3. memory: the watcher's resident memory once it follows the head with 0, `--memory`
 *    open payments (default 100,000 and 1,000,000), bytes per open payment above the idle one.
 *
 * Not a test: nothing is asserted; the figures go to docs/performance.md.
 */
import 'reflect-metadata';

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Command } from 'commander';
import { Client } from 'pg';
import { encodeFunctionData, erc20Abi, numberToHex, type Address, type Hex } from 'viem';

import { ERC20_TRANSFER_TOPIC, HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain } from '@kassa/chain';
import { addOwnPaymentOptions, createDataSourceOptions, MerchantsRepository, runMigrations, type EmbeddedPostgres } from '@kassa/persistence';
import { databaseUrlFor } from '@kassa/testing';
import { spawnKassaApp, type WatcherProcess } from '@kassa/testing/scenario';
import { DataSource } from 'typeorm';

import { admin, buildApps, median, positiveInt, postgresCpuBetween, postgresCpuByProcess, processCpuMs, rpc, withBenchInfrastructure } from './support/bench-support';

interface Options {
  blocks: number;
  erc20: number;
  native: number;
  memory: number[];
  rounds: number;
  /** A folder for V8 CPU profiles of the watcher runs (`--cpu-prof`), or none. */
  profile?: string;
  /** Run the watcher's TypeScript sources (as `npm start` does) instead of the compiled app. */
  sources: boolean;
}

/** How the watcher processes of a run are started. */
interface WatcherCode {
  built: boolean;
  profile?: string;
}

/** What each transfer pays: the payment's amount exactly. */
const USDC_AMOUNT = 1_000n; // 0.001 USDC (6 decimals)
const NATIVE_AMOUNT = 10n ** 12n; // 0.000001 ETH
/** Requests the bare reader keeps in flight. */
const IN_FLIGHT = 16;
const RANGE = 100n;
/** Blocks seeded per JSON-RPC batch. */
const SEED_BATCH_BLOCKS = 10;

async function main(): Promise<void> {
  const options = new Command()
    .name('bench:busy-chain')
    .description('A busy chain: 2,001 blocks, 100,000 ERC-20 and 5,000 native transfers to their own open payments; Kassa\'s watcher process vs bare reads')
    .option('--blocks <n>', 'seeded blocks', positiveInt, 2001)
    .option('--erc20 <n>', 'USDC transfers, each to its own payment', positiveInt, 100_000)
    .option('--native <n>', 'native-coin transfers, each to its own payment', positiveInt, 5_000)
    .option('--memory <list>', 'open payments at which to measure the watcher\'s memory (comma-separated; 0 to skip)', (value: string) => value.split(',').map(Number).filter((n) => n > 0), [100_000, 1_000_000])
    .option('--rounds <n>', 'watcher runs (fresh database each) and bare read runs, alternating', positiveInt, 2)
    .option('--profile <dir>', 'write a V8 CPU profile of each watcher run into this folder')
    .option('--sources', 'run the watcher from its TypeScript sources instead of the compiled app', false)
    .parse()
    .opts<Options>();
  if (!options.sources) {
    console.log(`Compiled the apps (npm run build) in ${buildApps().toFixed(1)} s; the watcher runs from dist/`);
  }
  const code: WatcherCode = { built: !options.sources, profile: options.profile };

  await withBenchInfrastructure({ pollIntervalMs: 50 }, async (postgres, chain) => {
    const started = performance.now();
    const template = await seedDatabase(postgres, chain, 'busy_template', options.erc20, options.native);
    const range = await seedChain(chain, options);
    console.log(`Seeded blocks ${range.from}..${range.to}: ${options.erc20} USDC and ${options.native} native transfers to ${options.erc20 + options.native} open payments, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const watched = new Set<string>();
    for (let n = 1; n <= options.erc20 + options.native; n++) watched.add(addressOf(n));
    const bare: { ms: number; matched: number }[] = [];
    const runs: WatcherRun[] = [];
    for (let round = 0; round < options.rounds; round++) {
      bare.push(await bareReads(chain, range, watched));
      runs.push(await watcherRun(postgres, chain, template, range, options.erc20 + options.native, round, code));
    }
    report(options, range, bare, runs);
    if (options.memory.length > 0) await memory(postgres, chain, options.memory, { built: code.built });
  });
}

/** The deterministic deposit address of seeded payment `n`. */
function addressOf(n: number): Address {
  return `0xb${n.toString(16).padStart(39, '0')}` as Address;
}

/**
 * A migrated database with one merchant and `erc20 + native` open payments (payment `n`'s
 * deposit address is {@link addressOf}(n); the first `erc20` in USDC, the rest in the
 * native coin), each due exactly the amount its transfer brings.
 */
async function seedDatabase(postgres: EmbeddedPostgres, chain: LocalChain, name: string, erc20: number, native: number): Promise<string> {
  await admin(postgres, `CREATE DATABASE ${name}`);
  const url = databaseUrlFor(postgres.adminUrl, name);
  await runMigrations(url);
  const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
  try {
    const merchant = await new MerchantsRepository(dataSource).create({ name: 'Busy shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
    for (let first = 1; first <= erc20 + native; first += 100_000) {
      const count = Math.min(100_000, erc20 + native - first + 1);
      await dataSource.query(
        `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                               deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at)
         SELECT 'pay_BUSY' || lpad(i::text, 22, '0'), $1, 'CREATED', $2,
                CASE WHEN i > $7 THEN 'ETH' ELSE 'USDC' END,
                CASE WHEN i > $7 THEN NULL ELSE $3 END,
                CASE WHEN i > $7 THEN 18 ELSE 6 END,
                CASE WHEN i > $7 THEN $8::numeric ELSE $9::numeric END,
                CASE WHEN i > $7 THEN $8::numeric ELSE $9::numeric END,
                '0xb' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $4, $5, 1, now() + interval '7 days'
         FROM generate_series($6::int, $6::int + $10::int - 1) AS i`,
        [merchant.id, chain.config.chainId, chain.contracts.tokens.USDC, chain.wallet(LOCAL_ROLES.treasury).account.address, chain.contracts.factory, first, erc20, NATIVE_AMOUNT.toString(), USDC_AMOUNT.toString(), count],
      );
    }
    await addOwnPaymentOptions(dataSource.manager);
    await dataSource.query('VACUUM ANALYZE');
  } finally {
    await dataSource.destroy();
  }
  return name;
}

interface SeededRange {
  from: bigint;
  to: bigint;
}

/**
 * Mines `blocks` blocks, spreading the USDC transfers (to payments 1..erc20) and the native
 * ones (to the payments after them) evenly: each block's transactions are sent with
 * `eth_sendTransaction` from the five customer accounts, then `evm_mine`, in JSON-RPC
 * batches, automine off meanwhile.
 */
async function seedChain(chain: LocalChain, options: Options): Promise<SeededRange> {
  const customers = LOCAL_ROLES.customers.map((index) => HARDHAT_ACCOUNTS[index]!.address);
  const token = chain.contracts.tokens.USDC;
  let sender = 0;
  const send = (to: Address, value: bigint, data?: Hex) => ({
    method: 'eth_sendTransaction',
    params: [{ from: customers[sender++ % customers.length]!, to, value: numberToHex(value), data, gas: numberToHex(data ? 80_000n : 21_000n) }],
  });
  const share = (total: number, block: number) => Math.floor((total * (block + 1)) / options.blocks) - Math.floor((total * block) / options.blocks);
  const from = (await chain.publicClient.getBlockNumber()) + 1n;
  let nextErc20 = 1;
  let nextNative = options.erc20 + 1;
  await rpc(chain.node.rpcUrl, [{ method: 'evm_setAutomine', params: [false] }]);
  try {
    for (let start = 0; start < options.blocks; start += SEED_BATCH_BLOCKS) {
      const calls: { method: string; params: unknown[] }[] = [];
      for (let block = start; block < Math.min(options.blocks, start + SEED_BATCH_BLOCKS); block++) {
        for (let i = share(options.erc20, block); i > 0; i--) {
          calls.push(send(token, 0n, encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [addressOf(nextErc20++), USDC_AMOUNT] })));
        }
        for (let i = share(options.native, block); i > 0; i--) calls.push(send(addressOf(nextNative++), NATIVE_AMOUNT));
        calls.push({ method: 'evm_mine', params: [] });
      }
      await rpc(chain.node.rpcUrl, calls);
    }
    // Whatever a block could not hold went into the next: mine until nothing is pending.
    while (((await call<{ transactions: unknown[] }>(chain.node.rpcUrl, 'eth_getBlockByNumber', ['pending', false])).transactions.length) > 0) {
      await rpc(chain.node.rpcUrl, [{ method: 'evm_mine', params: [] }]);
    }
  } finally {
    await rpc(chain.node.rpcUrl, [{ method: 'evm_setAutomine', params: [true] }]);
  }
  const to = await chain.publicClient.getBlockNumber();
  // One more block, so the last seeded one has its confirmation.
  await rpc(chain.node.rpcUrl, [{ method: 'evm_mine', params: [] }]);
  return { from, to };
}

/** One JSON-RPC call over plain HTTP. */
async function call<T>(url: string, method: string, params: unknown[]): Promise<T> {
  return ((await rpc(url, [{ method, params }]))[0]) as T;
}

/**
 * The reads any follower of this chain makes, and a Set lookup: every block with its
 * transactions, the USDC `Transfer` logs per 100 blocks, {@link IN_FLIGHT} requests at a time.
 * @returns wall time and the transfers matched (logs and native transactions to a watched address)
 */
async function bareReads(chain: LocalChain, range: SeededRange, watched: ReadonlySet<string>): Promise<{ ms: number; matched: number }> {
  const url = chain.node.rpcUrl;
  const jobs: (() => Promise<number>)[] = [];
  for (let n = range.from; n <= range.to; n++) {
    const number = numberToHex(n);
    jobs.push(async () => {
      const block = await call<{ transactions: { to: string | null; value: Hex }[] }>(url, 'eth_getBlockByNumber', [number, true]);
      return block.transactions.filter((tx) => tx.to !== null && BigInt(tx.value) > 0n && watched.has(tx.to.toLowerCase())).length;
    });
  }
  for (let start = range.from; start <= range.to; start += RANGE) {
    const end = start + RANGE - 1n < range.to ? start + RANGE - 1n : range.to;
    jobs.push(async () => {
      const logs = await call<{ topics: Hex[] }[]>(url, 'eth_getLogs', [{ fromBlock: numberToHex(start), toBlock: numberToHex(end), address: chain.contracts.tokens.USDC, topics: [ERC20_TRANSFER_TOPIC] }]);
      return logs.filter((log) => watched.has(`0x${log.topics[2]!.slice(26)}`.toLowerCase())).length;
    });
  }
  const started = performance.now();
  let matched = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) {
        const found = await jobs[next++]!();
        matched += found;
      }
    }),
  );
  return { ms: performance.now() - started, matched };
}

interface WatcherRun {
  /** From the spawn to every payment PAID. */
  wallMs: number;
  /** From the spawn to the watcher's first cursor write (start-up: loading the code, compiling it with `--sources`; loading the open payments; the first step). */
  startupMs: number;
  /** CPU of the watcher process over its whole life (start-up included). */
  watcherTotalCpuMs: number;
  paid: number;
  events: number;
  watcherCpuMs: number;
  postgresCpuMs: number;
  peakRssBytes: number;
}

/** Kassa's watcher process on a fresh copy of the seeded database, until every payment is PAID. */
async function watcherRun(postgres: EmbeddedPostgres, chain: LocalChain, template: string, range: SeededRange, payments: number, round: number, code: WatcherCode): Promise<WatcherRun> {
  const name = `busy_run_${round}`;
  await admin(postgres, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = databaseUrlFor(postgres.adminUrl, name);
  const db = new Client({ connectionString: url });
  await db.connect();
  const postgresBefore = postgresCpuByProcess(postgres);
  const started = performance.now();
  const watcher = spawnWatcherFor(url, chain, Number(range.from), code);
  let exited = false;
  void watcher.exited.then(() => {
    exited = true;
  });
  try {
    let startupMs: number | undefined;
    let cpuBefore = 0;
    // The cursor, one row, is all that is polled: counting PAID payments every 100 ms would
    // cost PostgreSQL a scan of the payments each time, beside the watcher it measures. Each
    // step stores its blocks, transfers and payment states in one transaction, so once the
    // cursor reaches the last block, every payment that will go PAID did (checked below).
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cursor = await db.query<{ block_number: string }>(`SELECT block_number FROM chain_cursors WHERE chain_id = $1`, [chain.config.chainId]);
      if (startupMs === undefined && cursor.rowCount) {
        startupMs = performance.now() - started;
        cpuBefore = processCpuMs(watcher.pid);
      }
      if (cursor.rows[0] && BigInt(cursor.rows[0].block_number) >= range.to) break;
      if (performance.now() - started > 30 * 60_000) throw new Error(`The watcher did not reach block ${range.to} in 30 minutes\n${watcher.output()}`);
      if (exited) throw new Error(`The watcher exited:\n${watcher.output()}`);
    }
    const wallMs = performance.now() - started;
    const watcherTotalCpuMs = processCpuMs(watcher.pid);
    const watcherCpuMs = watcherTotalCpuMs - cpuBefore;
    const peakRssBytes = peakRss(watcher.pid);
    const postgresUsedMs = postgresCpuBetween(postgresBefore, postgresCpuByProcess(postgres));
    const counts = await db.query<{ paid: string; events: string }>(
      `SELECT (SELECT count(*) FROM payments WHERE status = 'PAID') AS paid, (SELECT count(*) FROM events WHERE type = 'payment.paid') AS events`,
    );
    const paid = Number(counts.rows[0]!.paid);
    const events = Number(counts.rows[0]!.events);
    if (paid !== payments || events !== payments) throw new Error(`At block ${range.to}: ${paid} of ${payments} payments PAID, ${events} payment.paid events`);
    return { wallMs, startupMs: startupMs ?? wallMs, paid, events, watcherCpuMs, watcherTotalCpuMs, postgresCpuMs: postgresUsedMs, peakRssBytes };
  } finally {
    // A profiled watcher stops gracefully, so V8 writes its profile.
    await watcher.kill(code.profile ? 'SIGTERM' : 'SIGKILL');
    await db.end();
  }
}

function spawnWatcherFor(databaseUrl: string, chain: LocalChain, startBlock: number, code: WatcherCode): WatcherProcess {
  return spawnKassaApp(
    'watcher',
    {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '5',
      KASSA_CHAINS: JSON.stringify([{ ...chain.config, wsUrl: undefined, startBlock }]),
      KASSA_LOG_LEVEL: 'warn',
    },
    code.profile ? ['--cpu-prof', `--cpu-prof-dir=${code.profile}`] : [],
    { built: code.built },
  );
}

/** Peak resident memory of a process, bytes (`VmHWM` of `/proc/<pid>/status`). */
function peakRss(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((candidate) => candidate.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

function report(options: Options, range: SeededRange, bare: { ms: number; matched: number }[], runs: WatcherRun[]): void {
  const blocks = Number(range.to - range.from + 1n);
  const transfers = options.erc20 + options.native;
  const bareMs = median(bare.map((run) => run.ms));
  const watcherMs = median(runs.map((run) => run.wallMs));
  console.log(`Busy chain: ${blocks} blocks (${range.from}..${range.to}), ${transfers} watched transfers (${options.erc20} USDC, ${options.native} native)`);
  console.log('| client | wall s | blocks/s | watched transfers/s | notes |');
  console.log('|---|---:|---:|---:|---|');
  for (const run of bare) console.log(`| bare reads (${IN_FLIGHT} in flight, Set lookup) | ${(run.ms / 1000).toFixed(1)} | ${(blocks / (run.ms / 1000)).toFixed(0)} | ${(run.matched / (run.ms / 1000)).toFixed(0)} | matched ${run.matched} |`);
  for (const run of runs) {
    console.log(
      `| Kassa watcher process | ${(run.wallMs / 1000).toFixed(1)} | ${(blocks / (run.wallMs / 1000)).toFixed(0)} | ${(transfers / (run.wallMs / 1000)).toFixed(0)} | start-up ${(run.startupMs / 1000).toFixed(1)} s; PAID ${run.paid}, payment.paid events ${run.events}; CPU watcher ${(run.watcherTotalCpuMs / 1000).toFixed(1)} s (${(run.watcherCpuMs / 1000).toFixed(1)} s after start-up), PostgreSQL ${(run.postgresCpuMs / 1000).toFixed(1)} s; peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MB |`,
    );
  }
  console.log(`Ratio watcher / bare reads (medians of wall time): ${(bareMs / watcherMs).toFixed(3)}\n`);
}

/**
 * The watcher's resident memory once it follows the head (no new blocks) with 0 and each of
 * `sizes` open payments, each on a fresh database: RSS after the first cursor write and 5 s
 * of following, and the peak; bytes per open payment above the idle process.
 */
async function memory(postgres: EmbeddedPostgres, chain: LocalChain, sizes: number[], code: WatcherCode): Promise<void> {
  const head = Number(await chain.publicClient.getBlockNumber());
  const measure = async (payments: number): Promise<{ rss: number; peak: number }> => {
    const name = await seedDatabase(postgres, chain, `busy_memory_${payments}`, payments, 0);
    const url = databaseUrlFor(postgres.adminUrl, name);
    const db = new Client({ connectionString: url });
    await db.connect();
    const watcher = spawnWatcherFor(url, chain, head, code);
    try {
      const started = performance.now();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if ((await db.query(`SELECT 1 FROM chain_cursors`)).rowCount) break;
        if (performance.now() - started > 10 * 60_000) throw new Error(`The watcher did not start:\n${watcher.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return { rss: statusBytes(watcher.pid, 'VmRSS'), peak: peakRss(watcher.pid) };
    } finally {
      await watcher.kill();
      await db.end();
    }
  };
  const idle = await measure(1);
  console.log('Watcher memory, following the head (RSS after 5 s; peak during start-up):');
  console.log('| open payments | RSS MB | peak MB | bytes per open payment above idle (RSS) |');
  console.log('|---:|---:|---:|---:|');
  console.log(`| 1 (idle) | ${(idle.rss / 2 ** 20).toFixed(0)} | ${(idle.peak / 2 ** 20).toFixed(0)} | |`);
  for (const size of sizes) {
    const measured = await measure(size);
    console.log(`| ${size.toLocaleString('en')} | ${(measured.rss / 2 ** 20).toFixed(0)} | ${(measured.peak / 2 ** 20).toFixed(0)} | ${((measured.rss - idle.rss) / size).toFixed(0)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

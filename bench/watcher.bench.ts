/**
 * Chain watcher benchmarks (DESIGN.md "Performance"): `npm run bench:watcher`.
 *
 * Starts its own PostgreSQL (embedded, durable settings) and Hardhat node, seeds a range of
 * blocks with transfers to watched deposit addresses, and prints three comparisons, each
 * measured side by side in this one run:
 *
 * 1. Catch-up: blocks/s of the watcher over the seeded range vs a bare viem loop doing only
 *    the RPC reads the watcher needs (block bodies + Transfer logs per 100 blocks, receipts
 *    of native matches) over the same range. Target >= 0.7.
 * 2. Scale: per-block processing time (one block per step) with 100,000 open payments vs
 *    1,000, over the same blocks. Target <= 1.2.
 * 3. Latency: block mined -> payment PAID committed (seen by LISTEN on the outbox channel),
 *    p50 and p99, against one RPC round trip + one database commit.
 *
 * Not a test: nothing is asserted; the figures go to docs/performance.md.
 */
import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  createPublicClient,
  encodeFunctionData,
  erc20Abi,
  http,
  numberToHex,
  type Address,
  type Hex,
} from 'viem';

import { ERC20_TRANSFER_TOPIC, formatWatchedPaymentNotice, HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import { type ChainConfig, type KassaConfig, loadConfig } from '@kassa/config';
import { newId } from '@kassa/domain';
import {
  addOwnPaymentOptions,
  createDataSourceOptions,
  OWN_PAYMENT_OPTIONS_SQL,
  MerchantsRepository,
  runMigrations,
  type EmbeddedPostgres,
} from '@kassa/persistence';
import { databaseUrlFor } from '@kassa/testing';
import { OUTBOX_NOTIFY_CHANNEL } from '@kassa/webhooks';
import { ChainFollowersService, WatcherModule, type WatcherOptions } from '@kassa/watcher';

import { admin, positiveInt, rpc, withBenchInfrastructure } from './support/bench-support';

interface Options {
  blocks: number;
  scaleBlocks: number;
  samples: number;
  rounds: number;
}

/** Payments whose addresses receive the seeded transfers: 800 in USDC, 200 in the native coin. */
const WATCHED_USDC = 800;
const WATCHED_NATIVE = 200;
/** Unrelated token transfers in every seeded block. */
const FILLER = 8;
const RANGE = 100;
/** A run that makes no progress for this long has hung: fail rather than wait forever. */
const STALL_MS = 60_000;
/** The pause before each latency sample's transfer (the watcher learns the new address meanwhile), ms. */
const SAMPLE_PAUSE_MS = 20;


async function main(): Promise<void> {
  const options = new Command()
    .name('bench:watcher')
    .description('Chain watcher benchmarks: catch-up, scale, detection latency (ratios measured side by side)')
    .option('--blocks <n>', 'seeded blocks of each workload (dense, sparse) read by the catch-up comparison', positiveInt, 1000)
    .option('--scale-blocks <n>', 'blocks processed one per step in the scale comparison', positiveInt, 200)
    .option('--samples <n>', 'payments in the latency measurement', positiveInt, 100)
    .option('--rounds <n>', 'alternating rounds per comparison (medians are compared)', positiveInt, 3)
    .parse()
    .opts<Options>();

  await withBenchInfrastructure({ pollIntervalMs: 50 }, async (postgres, chain) => {
    const bench = await prepare(postgres, chain, options);
    await catchUp(bench, options);
    await scale(bench, options);
    await latency(bench, options);
  });
}

/** The seeded world the comparisons share. */
interface Bench {
  postgres: EmbeddedPostgres;
  chain: LocalChain;
  /** Databases to clone: 1,000 open payments (the watched ones), or those plus 99,000 more. */
  templates: { small: string; large: string };
  merchantId: string;
  usdcAddresses: Address[];
  nativeAddresses: Address[];
  /** The seeded block ranges. */
  ranges: Record<Density, SeededRange>;
}

/** Blocks `from..to` seeded with `transactions` transactions. */
interface SeededRange {
  from: bigint;
  to: bigint;
  transactions: number;
}

async function prepare(postgres: EmbeddedPostgres, chain: LocalChain, options: Options): Promise<Bench> {
  const started = performance.now();
  const small = 'bench_small';
  const large = 'bench_large';
  await admin(postgres, `CREATE DATABASE ${small}`);
  await runMigrations(databaseUrlFor(postgres.adminUrl, small));
  const dataSource = await new DataSource(createDataSourceOptions(databaseUrlFor(postgres.adminUrl, small), { poolSize: 2 })).initialize();
  const merchant = await new MerchantsRepository(dataSource).create({ name: 'Bench shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
  await insertPayments(dataSource, chain, merchant.id, 1, WATCHED_USDC + WATCHED_NATIVE);
  await dataSource.query('VACUUM ANALYZE');
  await dataSource.destroy();
  await admin(postgres, `CREATE DATABASE ${large} TEMPLATE ${small}`);
  const largeSource = await new DataSource(createDataSourceOptions(databaseUrlFor(postgres.adminUrl, large), { poolSize: 2 })).initialize();
  await insertPayments(largeSource, chain, merchant.id, WATCHED_USDC + WATCHED_NATIVE + 1, 99_000);
  await largeSource.query('VACUUM ANALYZE');
  await largeSource.destroy();

  const usdcAddresses = Array.from({ length: WATCHED_USDC }, (_, i) => addressOf(i + 1));
  const nativeAddresses = Array.from({ length: WATCHED_NATIVE }, (_, i) => addressOf(WATCHED_USDC + i + 1));
  const dense = await seedChain(chain, options.blocks, 'dense', usdcAddresses, nativeAddresses);
  const sparse = await seedChain(chain, options.blocks, 'sparse', usdcAddresses, nativeAddresses);
  for (const [name, range] of [['dense', dense], ['sparse', sparse]] as const) {
    console.log(`Seeded ${name} blocks ${range.from}..${range.to}: ${range.to - range.from + 1n} blocks, ${range.transactions} transactions`);
  }
  console.log(`${WATCHED_USDC + WATCHED_NATIVE} watched addresses; 1,000 / 100,000 open payments; ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return { postgres, chain, templates: { small, large }, merchantId: merchant.id, usdcAddresses, nativeAddresses, ranges: { dense, sparse } };
}

/** The deterministic deposit address of seeded payment `n`. */
function addressOf(n: number): Address {
  return `0xb${n.toString(16).padStart(39, '0')}` as Address;
}

/** Open payments `first..first+count-1` (USDC, except the native ones among the first 1,000), one statement. */
async function insertPayments(dataSource: DataSource, chain: LocalChain, merchantId: string, first: number, count: number): Promise<void> {
  await dataSource.query(
    `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                           deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at)
     SELECT 'pay_BENCH' || lpad(i::text, 21, '0'), $1, 'CREATED', $2,
            CASE WHEN i > $7 AND i <= $8 THEN 'ETH' ELSE 'USDC' END,
            CASE WHEN i > $7 AND i <= $8 THEN NULL ELSE $3 END,
            CASE WHEN i > $7 AND i <= $8 THEN 18 ELSE 6 END,
            10::numeric ^ 30, 10::numeric ^ 30,
            '0xb' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $4, $5, 1, now() + interval '1 day'
     FROM generate_series($6::int, $6::int + $9::int - 1) AS i`,
    [merchantId, chain.config.chainId, chain.contracts.tokens.USDC, chain.wallet(LOCAL_ROLES.treasury).account.address, chain.contracts.factory, first, WATCHED_USDC, WATCHED_USDC + WATCHED_NATIVE, count],
  );
  await addOwnPaymentOptions(dataSource.manager);
}

/** How often seeded blocks pay a watched address. */
type Density = 'dense' | 'sparse';

/**
 * Mines `blocks` blocks of ERC-20 traffic: each block carries `FILLER` USDC transfers
 * between strangers (what a busy token contract looks like), and transfers to watched
 * deposit addresses: `dense`, a USDC transfer in every block and a native one every fourth
 * block; `sparse`, one USDC transfer every 20 blocks. Transactions are signed by the node
 * (`eth_sendTransaction` from its unlocked accounts) and mined with `evm_mine`, in JSON-RPC
 * batches, automine off meanwhile.
 */
async function seedChain(chain: LocalChain, blocks: number, density: Density, usdc: Address[], native: Address[]): Promise<SeededRange> {
  const customers = LOCAL_ROLES.customers.map((index) => HARDHAT_ACCOUNTS[index]!.address);
  const token = chain.contracts.tokens.USDC;
  let sender = 0;
  let transfers = 0;
  const send = (to: Address, value: bigint, data?: Hex): { method: string; params: unknown[] } => {
    transfers++;
    const from = customers[sender++ % customers.length]!;
    return { method: 'eth_sendTransaction', params: [{ from, to, value: numberToHex(value), data, gas: numberToHex(data ? 100_000n : 30_000n) }] };
  };
  const tokenTransfer = (to: Address, amount: bigint) => send(token, 0n, encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }));
  const from = (await chain.publicClient.getBlockNumber()) + 1n;
  await rpc(chain.node.rpcUrl, [{ method: 'evm_setAutomine', params: [false] }]);
  try {
    for (let start = 0; start < blocks; start += 50) {
      const calls: { method: string; params: unknown[] }[] = [];
      for (let i = start; i < Math.min(blocks, start + 50); i++) {
        for (let f = 0; f < FILLER; f++) calls.push(tokenTransfer(strangerOf(i * FILLER + f), 1_000n));
        if (density === 'dense' || i % 20 === 0) calls.push(tokenTransfer(usdc[i % usdc.length]!, 1_000n + BigInt(i)));
        if (density === 'dense' && i % 4 === 0) calls.push(send(native[(i / 4) % native.length]!, 1_000_000_000n + BigInt(i)));
        calls.push({ method: 'evm_mine', params: [] });
      }
      await rpc(chain.node.rpcUrl, calls);
    }
  } finally {
    await rpc(chain.node.rpcUrl, [{ method: 'evm_setAutomine', params: [true] }]);
  }
  return { from, to: await chain.publicClient.getBlockNumber(), transactions: transfers };
}

/** An address nobody watches. */
function strangerOf(n: number): Address {
  return `0xd${(n % 5_000).toString(16).padStart(39, '0')}` as Address;
}

let clones = 0;
/** A fresh database cloned from a template; returns its URL. */
async function clone(bench: Bench, template: string): Promise<string> {
  const name = `bench_run_${++clones}`;
  await admin(bench.postgres, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return databaseUrlFor(bench.postgres.adminUrl, name);
}

function configFor(databaseUrl: string, chain: ChainConfig): KassaConfig {
  return { ...loadConfig({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '5', KASSA_LOG_LEVEL: 'error' }), chains: [chain] };
}

/**
 * Runs a watcher from `from` to `to`: its steady-state pace (blocks and wall time from the
 * end of its first step to the step that reaches `to`, start-up excluded) and the duration
 * of each of those steps (reads and transaction, as the follower measures them).
 */
async function runWatcher(
  databaseUrl: string,
  chain: ChainConfig,
  to: bigint,
  options: Partial<WatcherOptions>,
): Promise<{ blocks: number; ms: number; stepMs: number[] }> {
  const app = await NestFactory.createApplicationContext(WatcherModule.forRoot(configFor(databaseUrl, chain), options), { logger: ['error'] });
  try {
    await app.init();
    const followers = app.get(ChainFollowersService);
    let first: { block: bigint; at: number } | undefined;
    let progress = { block: -1n, at: performance.now() };
    const stepMs: number[] = [];
    for (;;) {
      const status = followers.status()[0];
      const step = status?.lastStep;
      if (step && !first) first = { block: step.toBlock, at: performance.now() };
      else if (step && step.toBlock !== progress.block) stepMs.push(step.durationMs);
      if (step && step.toBlock >= to) return { blocks: Number(to - first!.block), ms: performance.now() - first!.at, stepMs };
      if (step && step.toBlock !== progress.block) progress = { block: step.toBlock, at: performance.now() };
      if (performance.now() - progress.at > STALL_MS) {
        throw new Error(`The watcher stalled: ${JSON.stringify(status, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await app.close();
  }
}

/** The reads the watcher makes, and nothing else, over the same range in the same range size. */
async function bareReads(bench: Bench, range: SeededRange): Promise<{ blocks: number; ms: number }> {
  const client = createPublicClient({
    transport: http(bench.chain.node.rpcUrl, { batch: { batchSize: 100, wait: 0 }, retryCount: 0, maxResponseBodySize: 512 * 2 ** 20 }),
  });
  const watched = new Set([...bench.usdcAddresses, ...bench.nativeAddresses].map((address) => address.toLowerCase()));
  const tokens = Object.values(bench.chain.contracts.tokens);
  let first: { block: bigint; at: number } | undefined;
  for (let start = range.from; start <= range.to; start += BigInt(RANGE)) {
    const end = start + BigInt(RANGE) - 1n < range.to ? start + BigInt(RANGE) - 1n : range.to;
    const numbers: bigint[] = [];
    for (let n = start; n <= end; n++) numbers.push(n);
    const [blocks] = await Promise.all([
      Promise.all(
        numbers.map(
          (n) =>
            client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), true] }) as unknown as Promise<{
              transactions: { hash: Hex; to: Hex | null; value: Hex }[];
            }>,
        ),
      ),
      client.request({ method: 'eth_getLogs', params: [{ fromBlock: numberToHex(start), toBlock: numberToHex(end), address: tokens, topics: [ERC20_TRANSFER_TOPIC] }] }),
    ]);
    const native = blocks.flatMap((block) => block.transactions.filter((tx) => tx.to && watched.has(tx.to.toLowerCase()) && BigInt(tx.value) > 0n));
    await Promise.all(native.map((tx) => client.request({ method: 'eth_getTransactionReceipt', params: [tx.hash] })));
    if (!first) first = { block: end, at: performance.now() };
  }
  return { blocks: Number(range.to - first!.block), ms: performance.now() - first!.at };
}

async function catchUp(bench: Bench, options: Options): Promise<void> {
  console.log('1. Catch-up, 100 blocks per step, start-up excluded (blocks/s; ratio target >= 0.7)');
  for (const density of ['sparse', 'dense'] as const) {
    const range = bench.ranges[density];
    const chain: ChainConfig = { ...bench.chain.config, wsUrl: undefined, startBlock: Number(range.from) };
    const bare: number[] = [];
    const watcher: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const reads = await bareReads(bench, range);
      bare.push(reads.blocks / (reads.ms / 1000));
      const run = await runWatcher(await clone(bench, bench.templates.small), chain, range.to, { maxBlocksPerScan: RANGE });
      watcher.push(run.blocks / (run.ms / 1000));
    }
    const bareRate = median(bare);
    const watcherRate = median(watcher);
    const label = density === 'dense' ? 'dense (a watched transfer in every block)' : 'sparse (a watched transfer every 20 blocks)';
    console.log(`   ${label}`);
    console.log(`     bare viem reads: ${bare.map(format0).join(', ')} (median ${format0(bareRate)})`);
    console.log(`     watcher:         ${watcher.map(format0).join(', ')} (median ${format0(watcherRate)})`);
    console.log(`     ratio watcher / bare reads: ${(watcherRate / bareRate).toFixed(2)}`);
  }
  console.log('');
}

async function scale(bench: Bench, options: Options): Promise<void> {
  const range = bench.ranges.dense;
  const to = range.from + BigInt(options.scaleBlocks) - 1n;
  const chain: ChainConfig = { ...bench.chain.config, wsUrl: undefined, startBlock: Number(range.from) };
  const wall = { small: [] as number[], large: [] as number[] };
  const steps = { small: [] as number[], large: [] as number[] };
  for (let round = 0; round < options.rounds; round++) {
    for (const size of ['small', 'large'] as const) {
      const run = await runWatcher(await clone(bench, bench.templates[size]), chain, to, { maxBlocksPerScan: 1 });
      wall[size].push(run.ms / run.blocks);
      steps[size].push(...run.stepMs);
    }
  }
  const small = median(steps.small);
  const large = median(steps.large);
  console.log(`2. Per-block processing time, one block per step over ${options.scaleBlocks} dense blocks, ${options.rounds} alternating rounds`);
  console.log(`   1,000 open payments:   median step ${format2(small)} ms (p90 ${format2(percentile(steps.small, 90))}); wall ${wall.small.map(format2).join(', ')} ms/block`);
  console.log(`   100,000 open payments: median step ${format2(large)} ms (p90 ${format2(percentile(steps.large, 90))}); wall ${wall.large.map(format2).join(', ')} ms/block`);
  console.log(`   ratio 100,000 / 1,000 (median step): ${(large / small).toFixed(2)} (target <= 1.2)\n`);
}

async function latency(bench: Bench, options: Options): Promise<void> {
  const databaseUrl = await clone(bench, bench.templates.small);
  const chain: ChainConfig = { ...bench.chain.config, wsUrl: bench.chain.node.wsUrl, startBlock: undefined };
  const app = await NestFactory.createApplicationContext(WatcherModule.forRoot(configFor(databaseUrl, chain)), { logger: ['error'] });
  const db = new Client({ connectionString: databaseUrl });
  const listener = new Client({ connectionString: databaseUrl });
  await Promise.all([db.connect(), listener.connect()]);
  try {
    await app.init();
    const followers = app.get(ChainFollowersService);
    while (followers.status()[0]?.state !== 'following' || followers.status()[0]?.headSource !== 'websocket') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The outbox notification carries the first appended event's id and arrives after the
    // commit. The benchmark waits for it instead of polling, so that nothing of its own runs in
    // this process or in PostgreSQL while a step is being measured.
    const notified: Array<{ eventId: string; at: number }> = [];
    let wake: (() => void) | undefined;
    listener.on('notification', (message) => {
      notified.push({ eventId: message.payload ?? '', at: performance.now() });
      wake?.();
    });
    await listener.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
    const nextNotification = (timeoutMs: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event committed within ${STALL_MS} ms`)), Math.max(0, timeoutMs));
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });

    // The baseline's pair is also timed between the samples, after the same pause.
    await db.query('CREATE TABLE bench_commit (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    const roundTrip = (): Promise<unknown> => rpc(bench.chain.node.rpcUrl, [{ method: 'eth_blockNumber', params: [] }]);
    const commitOne = async (): Promise<void> => {
      await db.query('BEGIN');
      await db.query('INSERT INTO bench_commit DEFAULT VALUES');
      await db.query('COMMIT');
    };
    const baselines: Array<{ rtt: number; commit: number }> = [];

    const wallet = bench.chain.wallet(LOCAL_ROLES.customers[0]);
    const samples: number[] = [];
    for (let i = 0; i < options.samples; i++) {
      // A real id: the watcher reads a payment's creation time from it.
      const id = newId('payment');
      const address = `0xc${i.toString(16).padStart(39, '0')}` as Address;
      await db.query(
        `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                               deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at)
         VALUES ($1, $2, 'CREATED', $3, 'USDC', $4, 6, 1000, 1000, $5, $6, $7, $8, 1, now() + interval '1 hour')`,
        [id, bench.merchantId, chain.chainId, bench.chain.contracts.tokens.USDC, address, `0x${'0'.repeat(64)}`, wallet.account.address, chain.factoryAddress],
      );
      await db.query(OWN_PAYMENT_OPTIONS_SQL, [[id]]);
      await db.query('SELECT pg_notify($1, $2)', [WATCHED_PAYMENTS_CHANNEL, formatWatchedPaymentNotice({ chainId: chain.chainId, depositAddress: address, paymentId: id })]);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_PAUSE_MS));
      notified.length = 0;
      await wallet.writeContract({ address: bench.chain.contracts.tokens.USDC, abi: erc20Abi, functionName: 'transfer', args: [address, 1000n], gas: 100_000n });
      // Automine: the node answers once the block is mined.
      const mined = performance.now();
      let paid: number | undefined;
      let looked = 0;
      while (paid === undefined) {
        if (looked === notified.length) await nextNotification(mined + STALL_MS - performance.now());
        const fresh = notified.slice(looked);
        looked += fresh.length;
        const { rows } = await db.query<{ id: string }>(`SELECT id FROM events WHERE id = ANY($1) AND payment_id = $2 AND type = 'payment.paid'`, [
          fresh.map((notice) => notice.eventId),
          id,
        ]);
        if (rows[0]) paid = fresh.find((notice) => notice.eventId === rows[0]!.id)!.at;
      }
      samples.push(paid - mined);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_PAUSE_MS));
      const started = performance.now();
      await roundTrip();
      const answered = performance.now();
      await commitOne();
      baselines.push({ rtt: answered - started, commit: performance.now() - answered });
    }

    // The baseline as the target counts it: each part timed back to back, medians.
    const rtt = median(await timeEach(options.samples, roundTrip));
    const commit = median(await timeEach(options.samples, commitOne));
    const baseline = rtt + commit;
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    const idle = baselines.map((b) => b.rtt + b.commit);
    console.log(`3. Block mined -> payment PAID committed (WebSocket newHeads, 1 confirmation, ${samples.length} payments)`);
    console.log(`   p50 ${format2(p50)} ms, p99 ${format2(p99)} ms`);
    console.log(`   one RPC round trip ${format2(rtt)} ms + one commit ${format2(commit)} ms = ${format2(baseline)} ms (medians, back to back)`);
    console.log(`   ratio p50 / baseline ${(p50 / baseline).toFixed(1)}, p99 / baseline ${(p99 / baseline).toFixed(1)}`);
    // For reading the figures: the same pair timed between the samples, after the same pause
    // as a sample's block, when every process has been idle as at a new block.
    console.log(
      `   the pair after a ${SAMPLE_PAUSE_MS} ms pause: round trip ${format2(median(baselines.map((b) => b.rtt)))} ms + commit ${format2(median(baselines.map((b) => b.commit)))} ms; ` +
        `the pair p50 ${format2(median(idle))} ms, p99 ${format2(percentile(idle, 99))} ms\n`,
    );
  } finally {
    await app.close();
    await Promise.all([db.end(), listener.end()]);
  }
}

async function timeEach(times: number, work: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await work();
    durations.push(performance.now() - started);
  }
  return durations;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const median = (values: readonly number[]): number => percentile(values, 50);
const format0 = (value: number): string => value.toFixed(0);
const format2 = (value: number): string => value.toFixed(2);

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);

/**
 * RPC cost of following a chain at its head (DESIGN.md "Performance", issue "Go live"):
 * `npm run bench:rpc-cost`.
 *
 * For a chain with 2 s blocks and one with 0.25 s blocks (Hardhat nodes mining on an
 * interval), each with 1,000 open USDC payments, a watcher follows the head through a
 * counting RPC proxy (polling, no WebSocket, poll interval = block time as the presets set
 * it) for a number of blocks; then one native-coin payment is opened and it follows again.
 * Prints JSON-RPC calls per new block by method, calls per hour, and the compute units per
 * hour under Alchemy's published per-method weights (alchemy.com/docs/reference/compute-unit-costs:
 * eth_blockNumber 10, eth_getBlockByNumber 20, eth_getLogs 60, eth_getTransactionReceipt 20,
 * eth_getBalance 20, eth_call 26, eth_chainId 0).
 *
 * Counts, not timings: the figures do not depend on the machine. Not a test; the figures go
 * to docs/performance.md.
 */
import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { encodeTime } from 'ulid';

import { formatWatchedPaymentNotice, LOCAL_ROLES, type LocalChain, startLocalChain, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import { type ChainConfig, loadConfig } from '@kassa/config';
import { addOwnPaymentOptions, ChainCursorsRepository, createDataSourceOptions, MerchantsRepository, runMigrations } from '@kassa/persistence';
import { databaseUrlFor, type ObservedCall, startRpcProxy, waitFor } from '@kassa/testing';
import { ChainFollowersService, WatchedAddressesService, WatcherModule } from '@kassa/watcher';

import { admin, positiveInt, withBenchInfrastructure } from './support/bench-support';

/** Alchemy's compute units per call (alchemy.com/docs/reference/compute-unit-costs, EVM standard JSON-RPC methods). */
const ALCHEMY_CU: Record<string, number> = {
  eth_blockNumber: 10,
  eth_getBlockByNumber: 20,
  eth_getLogs: 60,
  eth_getTransactionReceipt: 20,
  eth_getBalance: 20,
  eth_call: 26,
  eth_chainId: 0,
};
const OPEN_PAYMENTS = 1_000;

interface Options {
  blocks: number;
}

async function main(): Promise<void> {
  const options = new Command()
    .name('bench:rpc-cost')
    .description('JSON-RPC calls and compute units per new block at the head, 2 s and 0.25 s blocks, 1,000 open payments')
    .option('--blocks <n>', 'new blocks followed per measurement', positiveInt, 20)
    .parse()
    .opts<Options>();

  await withBenchInfrastructure({ blockTimeMs: 2_000 }, async (postgres, slow) => {
    const fast = await startLocalChain({ chainId: 31338, confirmations: 1, blockTimeMs: 250 });
    try {
      for (const [chain, blockTimeMs, name] of [[slow, 2_000, 'bench_rpc_slow'], [fast, 250, 'bench_rpc_fast']] as const) {
        await admin(postgres, `CREATE DATABASE ${name}`);
        const url = databaseUrlFor(postgres.adminUrl, name);
        await runMigrations(url);
        await measure(url, chain, blockTimeMs, options.blocks);
      }
    } finally {
      await fast.stop();
    }
  });
}

/** Follows `chain` for `blocks` new blocks with only token payments open, then with a native-coin one too; prints both. */
async function measure(databaseUrl: string, chain: LocalChain, blockTimeMs: number, blocks: number): Promise<void> {
  const dataSource = await new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 2 })).initialize();
  const merchant = await new MerchantsRepository(dataSource).create({ name: 'Bench shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
  await openPayments(dataSource, chain, merchant.id, 1, OPEN_PAYMENTS, 'USDC');
  const proxy = await startRpcProxy(chain.node.rpcUrl);
  const config: ChainConfig = { ...chain.config, rpcUrls: [proxy.url], wsUrl: undefined, pollIntervalMs: blockTimeMs, startBlock: undefined };
  const app = await NestFactory.createApplicationContext(
    WatcherModule.forRoot({ ...loadConfig({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '5', KASSA_LOG_LEVEL: 'error' }), chains: [config] }),
    { logger: ['error'] },
  );
  try {
    await app.init();
    const followers = app.get(ChainFollowersService);
    await waitFor(async () => followers.status()[0]?.state, (state) => state === 'following', (state) => `follower ${state}`, 60_000);
    const cursors = new ChainCursorsRepository(dataSource);
    const window = async (label: string) => {
      const from = (await cursors.get(config.chainId))!.blockNumber;
      const start = proxy.observed.length;
      const until = from + BigInt(blocks);
      await waitFor(() => cursors.get(config.chainId), (cursor) => (cursor?.blockNumber ?? 0n) >= until, (cursor) => `cursor ${cursor?.blockNumber}`, blocks * blockTimeMs * 4 + 30_000);
      const to = (await cursors.get(config.chainId))!.blockNumber;
      report(`${blockTimeMs / 1000} s blocks, ${label}`, proxy.observed.slice(start), Number(to - from), blockTimeMs);
    };
    await window(`${OPEN_PAYMENTS} open USDC payments`);
    await openPayments(dataSource, chain, merchant.id, OPEN_PAYMENTS + 1, 1, 'ETH');
    const nativeAddress = `0xc${(OPEN_PAYMENTS + 1).toString(16).padStart(39, '0')}`;
    await dataSource.query('SELECT pg_notify($1, $2)', [
      WATCHED_PAYMENTS_CHANNEL,
      formatWatchedPaymentNotice({ chainId: config.chainId, depositAddress: nativeAddress as `0x${string}`, paymentId: benchPaymentId(OPEN_PAYMENTS + 1) }),
    ]);
    const watched = app.get(WatchedAddressesService).forChain(config.chainId);
    await waitFor(async () => watched.has(nativeAddress.toLowerCase()), Boolean, () => 'the native-coin payment is not watched', 30_000);
    await window(`${OPEN_PAYMENTS} open USDC payments + 1 native-coin payment`);
  } finally {
    await app.close();
    await proxy.close();
    await dataSource.destroy();
  }
}

/** Prints calls per block by method, calls per hour and Alchemy compute units per hour. */
function report(title: string, calls: readonly ObservedCall[], blocks: number, blockTimeMs: number): void {
  const byMethod = new Map<string, number>();
  for (const call of calls) byMethod.set(call.method, (byMethod.get(call.method) ?? 0) + 1);
  const blocksPerHour = 3_600_000 / blockTimeMs;
  const perBlock = calls.length / blocks;
  const cuPerBlock = [...byMethod].reduce((sum, [method, count]) => sum + (ALCHEMY_CU[method] ?? 20) * count, 0) / blocks;
  console.log(`\n${title}: ${blocks} new blocks, ${calls.length} calls`);
  for (const [method, count] of [...byMethod].sort((a, b) => b[1] - a[1])) console.log(`  ${method}: ${(count / blocks).toFixed(2)} per block`);
  console.log(`  total ${perBlock.toFixed(2)} calls per block = ${Math.round(perBlock * blocksPerHour).toLocaleString('en-US')} per hour; ${Math.round(cuPerBlock * blocksPerHour).toLocaleString('en-US')} Alchemy CU per hour`);
}

/**
 * The ids of this run's payments: `pay_` and a ULID of the run's start time whose 16 random
 * characters are the payment's number (the watcher reads a payment's creation time from its id).
 */
const BENCH_ID_PREFIX = `pay_${encodeTime(Date.now())}`;

function benchPaymentId(n: number): string {
  return `${BENCH_ID_PREFIX}${String(n).padStart(16, '0')}`;
}

/** `count` open payments from id number `first` on, in `coin` (USDC or the native coin), with their options. */
async function openPayments(dataSource: DataSource, chain: LocalChain, merchantId: string, first: number, count: number, coin: 'USDC' | 'ETH'): Promise<void> {
  const native = coin === 'ETH';
  await dataSource.query(
    `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                           deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at)
     SELECT $10 || lpad(i::text, 16, '0'), $1, 'CREATED', $2, $3, $4, $5, 10::numeric ^ 30, 10::numeric ^ 30,
            '0xc' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $6, $7, 1, now() + interval '1 day'
     FROM generate_series($8::int, $8::int + $9::int - 1) AS i`,
    [merchantId, chain.config.chainId, coin, native ? null : chain.contracts.tokens.USDC, native ? 18 : 6, chain.wallet(LOCAL_ROLES.treasury).account.address, chain.contracts.factory, first, count, BENCH_ID_PREFIX],
  );
  await addOwnPaymentOptions(dataSource.manager);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

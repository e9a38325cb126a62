/**
 * Expiry benchmark (DESIGN.md "Performance"): `npm run bench:expiry`.
 *
 * Starts its own PostgreSQL (embedded, durable settings) and Hardhat node, and compares, in
 * this one run, the time per payment the scheduler (`ExpirePaymentsJob`, the worker's own
 * module) takes to time out 1,000 due payments vs 100,000: every run reads the batch, the
 * deposit balances at the deadline (one `balanceOf` per payment, over JSON-RPC batches),
 * locks and re-reads it, writes the new states in one statement and the `payment.timeout`
 * events with their deliveries (one webhook endpoint) in one more. Each size runs on a
 * fresh copy of a database seeded once; the sizes alternate for `--rounds` rounds and the
 * medians are compared. Target: ratio at most 1.2.
 *
 * Not a test: nothing is asserted but that every payment ended TIMEOUT with one event and
 * one delivery; the figures go to docs/performance.md.
 */
import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { LOCAL_ROLES, type LocalChain } from '@kassa/chain';
import { type KassaConfig, loadConfig } from '@kassa/config';
import {
  addOwnPaymentOptions,
  createDataSourceOptions,
  type EmbeddedPostgres,
  MerchantsRepository,
  runMigrations,
  WebhookEndpointsRepository,
} from '@kassa/persistence';
import { databaseUrlFor } from '@kassa/testing';
import { generateWebhookSecret } from '@kassa/webhooks';
import { ExpirePaymentsJob, WorkerModule } from '@kassa/worker';

import { admin, median, positiveInt, withBenchInfrastructure } from './support/bench-support';

interface Options {
  small: number;
  large: number;
  batchSize: number;
  rounds: number;
}

async function main(): Promise<void> {
  const options = new Command()
    .name('bench:expiry')
    .description('Expiry benchmark: time per payment to time out a small vs a large backlog of due payments')
    .option('--small <n>', 'due payments of the small backlog', positiveInt, 1000)
    .option('--large <n>', 'due payments of the large backlog', positiveInt, 100_000)
    .option('--batch-size <n>', 'KASSA_EXPIRY_BATCH_SIZE: payments timed out per run', positiveInt, 1000)
    .option('--rounds <n>', 'alternating rounds (medians are compared)', positiveInt, 2)
    .parse()
    .opts<Options>();

  await withBenchInfrastructure({}, async (postgres, chain) => {
    const started = performance.now();
    const templates = { small: await seed(postgres, chain, 'bench_expiry_small', options.small), large: await seed(postgres, chain, 'bench_expiry_large', options.large) };
    console.log(`Seeded ${options.small} and ${options.large} due payments in ${((performance.now() - started) / 1000).toFixed(1)} s; batch size ${options.batchSize}\n`);

    const perPayment: Record<'small' | 'large', number[]> = { small: [], large: [] };
    for (let round = 1; round <= options.rounds; round++) {
      for (const size of ['small', 'large'] as const) {
        const count = options[size];
        const result = await expireAll(postgres, chain, templates[size], count, options.batchSize);
        perPayment[size].push(result.ms / count);
        console.log(`round ${round}, ${count} due: ${(result.ms / 1000).toFixed(2)} s in ${result.runs} runs, ${((result.ms / count) * 1000).toFixed(1)} us per payment`);
      }
    }
    const small = median(perPayment.small);
    const large = median(perPayment.large);
    console.log(`\nTime per payment: ${(large * 1000).toFixed(1)} us with ${options.large} due vs ${(small * 1000).toFixed(1)} us with ${options.small}: ratio ${(large / small).toFixed(2)} (target <= 1.2)`);
  });
}

/**
 * A database with a merchant, one webhook endpoint and `count` USDC payments whose deadline
 * passed a day ago (past the confirmation grace): all due, none paid.
 */
async function seed(postgres: EmbeddedPostgres, chain: LocalChain, name: string, count: number): Promise<string> {
  await admin(postgres, `CREATE DATABASE ${name}`);
  const url = databaseUrlFor(postgres.adminUrl, name);
  await runMigrations(url);
  const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
  try {
    const merchant = await new MerchantsRepository(dataSource).create({ name: 'Bench shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
    await new WebhookEndpointsRepository(dataSource).create({ merchantId: merchant.id, url: 'https://shop.example/hooks', secret: generateWebhookSecret() });
    await dataSource.query(
      `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                             deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at, created_at)
       SELECT 'pay_BENCH' || lpad(i::text, 21, '0'), $1, 'CREATED', $2, 'USDC', $3, 6, 25000000, 25000000,
              '0xb' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $4, $5, 1,
              now() - interval '1 day', now() - interval '2 days'
       FROM generate_series(1, $6::int) AS i`,
      [merchant.id, chain.config.chainId, chain.contracts.tokens.USDC, chain.wallet(LOCAL_ROLES.treasury).account.address, chain.contracts.factory, count],
    );
    await addOwnPaymentOptions(dataSource.manager);
    await dataSource.query('VACUUM ANALYZE');
  } finally {
    await dataSource.destroy();
  }
  return name;
}

let clones = 0;

/** Times out every payment of a fresh copy of `template` with the worker's expiry job, run after run. */
async function expireAll(postgres: EmbeddedPostgres, chain: LocalChain, template: string, count: number, batchSize: number): Promise<{ ms: number; runs: number }> {
  const name = `bench_expiry_run_${++clones}`;
  await admin(postgres, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = databaseUrlFor(postgres.adminUrl, name);
  const config: KassaConfig = {
    ...loadConfig({ DATABASE_URL: url, DATABASE_POOL_SIZE: '5', KASSA_LOG_LEVEL: 'error', KASSA_EXPIRY_BATCH_SIZE: String(batchSize) }),
    chains: [chain.config],
  };
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot({ ...config, jobs: { ...config.jobs, expiry: { ...config.jobs.expiry, enabled: false }, delivery: { ...config.jobs.delivery, enabled: false }, settlement: { ...config.jobs.settlement, enabled: false } } }),
    { logger: ['error'] },
  );
  try {
    await app.init();
    const job = app.get(ExpirePaymentsJob);
    let runs = 0;
    const started = performance.now();
    for (;;) {
      const { timedOut } = await job.runOnce();
      runs++;
      if (timedOut.length === 0) break;
    }
    const ms = performance.now() - started;
    await verify(url, count);
    return { ms, runs };
  } finally {
    await app.close();
    await admin(postgres, `DROP DATABASE ${name} WITH (FORCE)`);
  }
}

/** Every payment TIMEOUT, announced once, with one delivery queued. */
async function verify(url: string, count: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ timeouts: string; events: string; deliveries: string }>(
      `SELECT (SELECT count(*) FROM payments WHERE status = 'TIMEOUT') AS timeouts,
              (SELECT count(*) FROM events WHERE type = 'payment.timeout') AS events,
              (SELECT count(*) FROM webhook_deliveries) AS deliveries`,
    );
    const { timeouts, events, deliveries } = rows[0]!;
    if ([timeouts, events, deliveries].some((n) => Number(n) !== count)) {
      throw new Error(`Expected ${count} TIMEOUT payments, events and deliveries; found ${timeouts}, ${events}, ${deliveries}`);
    }
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

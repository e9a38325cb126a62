/**
 * Dashboard payment list benchmark (issue "Merchant dashboard", item 4): `npm run bench:dashboard`.
 *
 * Starts its own PostgreSQL (embedded) and Hardhat node, seeds one merchant with `--payments`
 * payments (1,000,000 by default), and times, side by side in this one run, the query of the
 * dashboard's payments list (`PaymentsRepository.list`, keyset: `id < cursor ORDER BY id
 * DESC LIMIT 26`, then the payment objects of the page) for page 1 and for page `--page`
 * (10,000 by default, the cursor taken at that depth). Pages alternate for `--rounds` rounds;
 * the medians are compared. Target: page 10,000 at most 1.5 times page 1. Then times the
 * search box (a deposit address, and a search that finds nothing) beside page 1.
 *
 * Not a test: nothing is asserted but that both pages hold a full page of payments.
 */
import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import { Command } from 'commander';
import { DataSource } from 'typeorm';

import { LOCAL_ROLES } from '@kassa/chain';
import { loadConfig } from '@kassa/config';
import { addOwnPaymentOptions, createDataSourceOptions, MerchantsRepository, PaymentObjectsService, PaymentsRepository, runMigrations } from '@kassa/persistence';
import { databaseUrlFor } from '@kassa/testing';

import { admin, median, positiveInt, withBenchInfrastructure } from './support/bench-support';

/** Payments per page of the dashboard's list. */
const PAGE_SIZE = 25;

async function main(): Promise<void> {
  const options = new Command()
    .name('bench:dashboard')
    .description('Dashboard payment list: first page vs a deep page with keyset pagination')
    .option('--payments <n>', 'payments of the merchant', positiveInt, 1_000_000)
    .option('--page <n>', 'the deep page compared with page 1', positiveInt, 10_000)
    .option('--rounds <n>', 'alternating rounds of 50 reads each (medians are compared)', positiveInt, 5)
    .parse()
    .opts<{ payments: number; page: number; rounds: number }>();

  await withBenchInfrastructure({}, async (postgres, chain) => {
    await admin(postgres, 'CREATE DATABASE bench_dashboard');
    const url = databaseUrlFor(postgres.adminUrl, 'bench_dashboard');
    await runMigrations(url);
    const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: 4 })).initialize();
    try {
      const started = performance.now();
      const merchant = await new MerchantsRepository(dataSource).create({ name: 'Bench shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
      // Ids sort like real ULIDs: by creation time, newest last.
      await dataSource.query(
        `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                               deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at, created_at, order_id,
                               amount_received, paid_at, finalized_at)
         SELECT 'pay_DASH' || lpad(i::text, 22, '0'), $1, CASE WHEN i % 10 = 0 THEN 'TIMEOUT' ELSE 'PAID' END, $2, 'USDC', $3, 6, 25000000, 25000000,
                '0xd' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $4, $5, 1,
                now() - interval '1 day', now() - make_interval(secs => $6::int - i), 'order-' || i,
                CASE WHEN i % 10 = 0 THEN 0 ELSE 25000000 END, CASE WHEN i % 10 = 0 THEN NULL ELSE now() - make_interval(secs => $6::int - i) END,
                now() - make_interval(secs => $6::int - i)
         FROM generate_series(1, $6::int) AS i`,
        [merchant.id, chain.config.chainId, chain.contracts.tokens.USDC, chain.wallet(LOCAL_ROLES.treasury).account.address, chain.contracts.factory, options.payments],
      );
      await addOwnPaymentOptions(dataSource.manager);
      await dataSource.query('VACUUM ANALYZE');
      console.log(`Seeded ${options.payments} payments in ${((performance.now() - started) / 1000).toFixed(1)} s`);

      const payments = new PaymentsRepository(dataSource);
      const objects = PaymentObjectsService.over({ ...loadConfig({}), chains: [chain.config] }, dataSource);
      const depth = (options.page - 1) * PAGE_SIZE;
      const [cursor] = await dataSource.query<{ id: string }[]>(`SELECT id FROM payments WHERE merchant_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`, [merchant.id, depth]);
      if (!cursor) throw new Error(`Fewer than ${depth} payments: raise --payments or lower --page`);
      const read = async (startingAfter: string | undefined) => {
        const rows = await payments.list(merchant.id, { startingAfter, limit: PAGE_SIZE + 1 });
        const page = await objects.buildMany(rows.slice(0, PAGE_SIZE));
        if (page.length !== PAGE_SIZE) throw new Error(`A page held ${page.length} payments`);
      };
      const time = async (startingAfter: string | undefined) => {
        const begin = performance.now();
        for (let i = 0; i < 50; i++) await read(startingAfter);
        return (performance.now() - begin) / 50;
      };
      await time(undefined);
      await time(cursor.id);
      const first: number[] = [];
      const deep: number[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        first.push(await time(undefined));
        deep.push(await time(cursor.id));
        console.log(`round ${round}: page 1 ${first.at(-1)!.toFixed(2)} ms, page ${options.page} ${deep.at(-1)!.toFixed(2)} ms`);
      }
      const ratio = median(deep) / median(first);
      console.log(`\nPage ${options.page} of ${options.payments} payments: ${median(deep).toFixed(2)} ms vs page 1: ${median(first).toFixed(2)} ms: ratio ${ratio.toFixed(2)} (target <= 1.5)`);

      // The search box: the oldest payment's deposit address typed in upper case, and a search
      // that finds nothing (both used to read every payment of the merchant).
      const [oldest] = await dataSource.query<{ deposit_address: string }[]>(`SELECT deposit_address FROM payments WHERE merchant_id = $1 ORDER BY id LIMIT 1`, [merchant.id]);
      const searches = [
        { name: 'deposit address', query: `0x${oldest!.deposit_address.slice(2).toUpperCase()}`, expected: 1 },
        { name: 'no match', query: 'order-none', expected: 0 },
      ];
      for (const { name, query, expected } of searches) {
        const times: number[] = [];
        for (let i = 0; i < 20; i++) {
          const begin = performance.now();
          const found = await payments.list(merchant.id, { query, limit: PAGE_SIZE + 1 });
          times.push(performance.now() - begin);
          if (found.length !== expected) throw new Error(`Search for ${name} found ${found.length} payments`);
        }
        console.log(`Search by ${name}: ${median(times).toFixed(2)} ms (median of 20) vs page 1: ${median(first).toFixed(2)} ms`);
      }
    } finally {
      await dataSource.destroy();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

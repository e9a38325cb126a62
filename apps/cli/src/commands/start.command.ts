import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { INestApplication } from '@nestjs/common';
import { privateKeyToAccount } from 'viem/accounts';

import { HARDHAT_ACCOUNTS, LOCAL_PAYOUT_LIMITS, LOCAL_ROLES, startLocalChain } from '@kassa/chain';
import { createHttpApplication, createMerchantWithKey, ensureDashboardOwner } from '@kassa/api';
import { type KassaConfig, publicUrlOf, Secret, settlementKeyFor } from '@kassa/config';
import { asMerchantId } from '@kassa/domain';
import type { PaymentLink } from '@kassa/sdk';
import { MerchantsRepository, runMigrations, startEmbeddedPostgres } from '@kassa/persistence';

import { EmbeddedModule } from '../embedded/embedded.module';
import { continueLocalSettlement } from '../embedded/local-settlement';
import { kassaHome, localChainsFile, readLocalState, writeLocalState } from '../embedded/local-state';
import { callMerchantApi, type MerchantApi } from './merchant-api';
import { withDatabase } from './with-database';

/** Port the embedded PostgreSQL prefers, so `.kassa/state.json` keeps a stable URL. */
const EMBEDDED_PG_PORT = 54329;
/**
 * The local chains: two Hardhat nodes with their own chain ids, so a price can be paid on
 * either (docs/pricing.md). The same account deploys the same contracts in the same order
 * on both, so the factory, and every deposit address, is the same on both. Each prefers a
 * fixed port (the usual local JSON-RPC port first).
 */
const LOCAL_CHAINS = [
  { chainId: 31337, name: 'Hardhat (local)', port: 8545 },
  { chainId: 31338, name: 'Hardhat B (local)', port: 8546 },
] as const;
/** The local chain mines a block every 2 s, so confirmations keep counting without traffic. */
const LOCAL_BLOCK_TIME_MS = 2000;

/** A running embedded default, stoppable as a whole. */
export interface RunningKassa {
  apiUrl: string;
  apiKey: string;
  merchantId: string;
  /** JSON-RPC URL of each chain, by chain id. */
  rpcUrls: { chainId: number; rpcUrl: string }[];
  /** Whether the worker settles paid payments (a gas payer key is known for some chain). */
  settling: boolean;
  /** The payout wallet's address (refunds and payouts), or null when none is configured. */
  payoutWallet: string | null;
  /** The demo owner's dashboard sign-in. */
  dashboard: { email: string; password: string };
  /** The demo merchant's payment link (a 5.00 USD price in any coin). */
  paymentLink: PaymentLink;
  stop(): Promise<void>;
}

/**
 * Starts Kassa's embedded default (DESIGN.md "Processes"): an embedded PostgreSQL under
 * `.kassa/pg` when DATABASE_URL is unset, two local Hardhat nodes (chains 31337 and
 * 31338) with the DepositFactory, test tokens and an ETH/USD price feed when no chain is
 * configured (then also a funded local payout wallet for refunds and payouts), migrations, a
 * demo merchant with an API key, and the api, watcher and worker in this one process. On
 * SIGINT, SIGTERM or SIGHUP it stops them in reverse order and exits the process.
 */
export async function startEmbedded(baseConfig: KassaConfig, log: (line: string) => void): Promise<RunningKassa> {
  const home = kassaHome();
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    })());
  // SIGINT, SIGTERM or SIGHUP (its terminal closed), from the start on: what has started is
  // stopped in reverse order (the apps, the chains, then PostgreSQL, which leaves these signals
  // to this handler), then the process exits.
  const onSignal = (): void => {
    log('Stopping ...');
    void stopAll().then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  try {
    let databaseUrl = baseConfig.database.url;
    if (!databaseUrl) {
      log('Starting the embedded PostgreSQL (data in .kassa/pg) ...');
      // Stopped on a signal by the start command, after the apps and chains (`stop`).
      const options = { dataDir: path.join(home, 'pg'), persistent: true, database: 'kassa', callerStopsOnSignals: true };
      const pg = await startEmbeddedPostgres({ ...options, port: EMBEDDED_PG_PORT }).catch(() => startEmbeddedPostgres(options));
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    await runMigrations(databaseUrl);

    let chains = baseConfig.chains;
    let settlement = baseConfig.settlement;
    let payouts = baseConfig.payouts;
    if (chains.length === 0) {
      log('Starting two local Hardhat nodes and deploying the contracts, test tokens and price feeds ...');
      const locals = await Promise.all(
        LOCAL_CHAINS.map(async ({ chainId, name, port }) => {
          const local = await startLocalChain({ chainId, name, blockTimeMs: LOCAL_BLOCK_TIME_MS, port }).catch(() =>
            startLocalChain({ chainId, name, blockTimeMs: LOCAL_BLOCK_TIME_MS }),
          );
          stops.push(() => local.stop());
          return local;
        }),
      );
      chains = locals.map((local) => local.config);
      // Settlement runs out of the box on the local chains, paid by a development account.
      if (!settlement.defaultGasPayerKey && Object.keys(settlement.gasPayerKeys).length === 0) {
        settlement = { ...settlement, defaultGasPayerKey: new Secret(HARDHAT_ACCOUNTS[LOCAL_ROLES.settlementGasPayer]!.privateKey) };
      }
      // Refunds and payouts run out of the box too, from a funded development account.
      if (!payouts.walletKey) {
        payouts = { ...payouts, walletKey: new Secret(HARDHAT_ACCOUNTS[LOCAL_ROLES.payoutWallet]!.privateKey), limits: { ...LOCAL_PAYOUT_LIMITS, ...payouts.limits } };
      }
      writeFileSync(localChainsFile(home), `${JSON.stringify(chains, null, 2)}\n`);
      // The local chains start from genesis on every run. Their watchers see another genesis
      // block than the recorded one and forget the old chains' history (onNodeReset 'forget',
      // docs/watcher.md "Chain identity"): old transfers stop counting, nothing is paid twice.
      await withDatabase(databaseUrl, async (dataSource) => {
        for (const local of chains) {
          const senders = [settlementKeyFor({ settlement }, local.chainId), payouts.walletKey].filter((key) => key !== null);
          const addresses = senders.map((key) => privateKeyToAccount(key.reveal() as `0x${string}`).address);
          await continueLocalSettlement(dataSource, local.rpcUrls[0]!, local.chainId, addresses);
        }
      });
    }

    const config: KassaConfig = {
      ...baseConfig,
      database: { ...baseConfig.database, url: databaseUrl },
      chains,
      webhooks: { ...baseConfig.webhooks, allowPrivateUrls: true },
      settlement,
      payouts,
      logFormat: baseConfig.logFormat ?? 'pretty',
    };
    const demo = await ensureDemoMerchant(databaseUrl);
    const dashboard = await ensureDemoOwner(databaseUrl, demo.merchantId);

    const app: INestApplication = await createHttpApplication(EmbeddedModule.forRoot(config), config);
    await app.listen(config.api.port, config.api.host);
    stops.push(() => app.close());
    const apiUrl = publicUrlOf(config);
    const paymentLink = await ensureDemoPaymentLink({ apiUrl, apiKey: demo.apiKey }, readLocalState(home).demoPaymentLinkId);
    writeLocalState({ ...readLocalState(home), apiUrl, databaseUrl, demo, dashboard, demoPaymentLinkId: paymentLink.id });
    const settling = settlement.defaultGasPayerKey !== null || Object.keys(settlement.gasPayerKeys).length > 0;
    const rpcUrls = chains.map((chain) => ({ chainId: chain.chainId, rpcUrl: chain.rpcUrls[0]! }));
    const payoutWallet = payouts.walletKey ? privateKeyToAccount(payouts.walletKey.reveal() as `0x${string}`).address : null;
    return { apiUrl, apiKey: demo.apiKey, merchantId: demo.merchantId, rpcUrls, settling, payoutWallet, dashboard, paymentLink, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The demo payment link of `.kassa/state.json` while it is active, else a new one, made through the merchant API: a 5.00 USD price payable in any coin. */
async function ensureDemoPaymentLink(api: MerchantApi, knownId: string | undefined): Promise<PaymentLink> {
  if (knownId) {
    const known = await callMerchantApi(api, (kassa) => kassa.paymentLinks.get(knownId)).catch(() => null);
    if (known?.status === 'active') return known;
  }
  return callMerchantApi(api, (kassa) => kassa.paymentLinks.create({ price: { amount: '5.00', currency: 'USD' }, description: 'Demo: a coffee' }));
}

/** The demo merchant's dashboard owner: `owner@demo.kassa.local` with a random password kept in `.kassa/state.json` (mode 0600). */
async function ensureDemoOwner(databaseUrl: string, merchantId: string): Promise<{ email: string; password: string }> {
  const known = readLocalState().dashboard ?? { email: 'owner@demo.kassa.local', password: randomBytes(12).toString('base64url') };
  return withDatabase(databaseUrl, async (dataSource) => {
    await ensureDashboardOwner(dataSource, { merchantId: asMerchantId(merchantId), email: known.email, password: known.password });
    return known;
  });
}

/** The demo merchant of `.kassa/state.json`, created (with its API key) on the first run. */
async function ensureDemoMerchant(databaseUrl: string): Promise<{ merchantId: string; apiKey: string }> {
  const known = readLocalState().demo;
  return withDatabase(databaseUrl, async (dataSource) => {
    if (known && (await new MerchantsRepository(dataSource).findById(asMerchantId(known.merchantId)))) return known;
    const created = await createMerchantWithKey(dataSource, {
      name: 'Demo Shop',
      treasuryAddress: HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address,
    });
    return { merchantId: created.merchantId, apiKey: created.apiKey };
  });
}

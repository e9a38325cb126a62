import { createPublicClient, createWalletClient, defineChain, http, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import type { ChainConfig } from '@kassa/config';
import { deployKassaContracts, type KassaContracts, mintTestTokens, TEST_TOKENS } from '../deploy';

import { HARDHAT_ACCOUNTS } from './accounts';
import { type KassaTestChain, type KassaTestChainOptions, startKassaTestChain } from './kassa-chain';

/** Accounts of the local chain by role. */
export const LOCAL_ROLES = {
  /** Deploys the contracts. */
  deployer: 0,
  /** The demo merchant's treasury. */
  treasury: 9,
  /** Customers: funded with test tokens, used by the simulator (`kassa pay`). */
  customers: [1, 2, 3, 4, 5],
  /** The settlement gas payer of `npm start` and of tests that settle: pays for flushing deposit addresses. */
  settlementGasPayer: 8,
  /** The payout wallet of `npm start` and of tests that pay out: funded with test tokens like a customer. */
  payoutWallet: 7,
} as const;

/**
 * The local payout wallet's limits (`KASSA_PAYOUT_LIMITS` of `npm start` and the tests), whole
 * coins: generous enough for any demo, and still limits.
 */
export const LOCAL_PAYOUT_LIMITS: Record<string, { perPayout: string; perDay: string }> = {
  USDC: { perPayout: '10000', perDay: '100000' },
  USDT: { perPayout: '10000', perDay: '100000' },
  DAI: { perPayout: '10000', perDay: '100000' },
  ETH: { perPayout: '10', perDay: '100' },
};

/** Test tokens minted to each customer account and the payout wallet: 1,000,000 of each. */
const CUSTOMER_FUNDS = 1_000_000n;

/**
 * Oldest ETH / USD round the local chain's config accepts: a year. Nothing updates the local
 * feed (it is a fixed 2,500 USD until a test moves it), so a development node left running
 * keeps quoting ETH; a test makes the feed stale with `setRound(answer, updatedAt)` and an
 * older time.
 */
export const LOCAL_FEED_MAX_AGE_SECONDS = 365 * 86_400;

/** How Kassa watches a local chain. */
export interface LocalChainSettings {
  name?: string;
  confirmations?: number;
  pollIntervalMs?: number;
  /** Timeout of one JSON-RPC request before the next RPC URL is tried, ms; default 10,000. */
  rpcTimeoutMs?: number;
  /** What the watcher does when the node restarted from genesis; default 'forget' (a local node starts afresh on every run). */
  onNodeReset?: ChainConfig['onNodeReset'];
}

/** A local chain with Kassa's contracts, and its Kassa chain configuration. */
export interface LocalChain extends KassaTestChain {
  config: ChainConfig;
}

function chainConfigOf(
  chainId: number,
  rpcUrl: string,
  wsUrl: string | undefined,
  contracts: KassaContracts,
  settings: LocalChainSettings,
): ChainConfig {
  return {
    chainId,
    name: settings.name ?? 'Hardhat (local)',
    rpcUrls: [rpcUrl],
    ...(wsUrl ? { wsUrl } : {}),
    confirmations: settings.confirmations ?? 3,
    finalityDepth: 64,
    // Hardhat answers 'finalized' with its latest block, and tests reorganise it at will.
    finalizedTag: false,
    pollIntervalMs: settings.pollIntervalMs ?? 500,
    rpcTimeoutMs: settings.rpcTimeoutMs ?? 10_000,
    startBlock: 0,
    onNodeReset: settings.onNodeReset ?? 'forget',
    nativeCurrency: { symbol: 'ETH', decimals: 18 },
    factoryAddress: contracts.factory,
    implementationAddress: contracts.implementation,
    // The test tokens stand in for dollar stablecoins: each quotes 1:1 in USD.
    tokens: (Object.keys(TEST_TOKENS) as (keyof typeof TEST_TOKENS)[]).map((symbol) => ({
      symbol,
      address: contracts.tokens[symbol],
      decimals: TEST_TOKENS[symbol].decimals,
      peggedTo: 'USD',
    })),
    priceFeeds: [{ currency: 'ETH', pricingCurrency: 'USD', address: contracts.priceFeeds.ETH, maxAgeSeconds: LOCAL_FEED_MAX_AGE_SECONDS }],
  };
}

function customerMints(contracts: KassaContracts): { token: Address; to: Address; amount: bigint }[] {
  return [...LOCAL_ROLES.customers, LOCAL_ROLES.payoutWallet].flatMap((index) =>
    (Object.keys(TEST_TOKENS) as (keyof typeof TEST_TOKENS)[]).map((symbol) => ({
      token: contracts.tokens[symbol],
      to: HARDHAT_ACCOUNTS[index]!.address,
      amount: CUSTOMER_FUNDS * 10n ** BigInt(TEST_TOKENS[symbol].decimals),
    })),
  );
}

/**
 * Provisions a running development node (Hardhat, or any node whose accounts hold the
 * well-known development keys): deploys the DepositFactory, the test tokens and an ETH / USD
 * price feed from account 0, funds the customer accounts, and returns the chain's Kassa configuration.
 */
export async function provisionLocalChain(rpcUrl: string, settings: LocalChainSettings & { wsUrl?: string } = {}): Promise<ChainConfig> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const chainId = await probe.getChainId();
  const chain = defineChain({ id: chainId, name: settings.name ?? 'local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const transport = http(rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 });
  const deployer = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNTS[LOCAL_ROLES.deployer]!.privateKey), chain, transport });
  const contracts = await deployKassaContracts(deployer, publicClient);
  await mintTestTokens(deployer, publicClient, customerMints(contracts));
  return chainConfigOf(chainId, rpcUrl, settings.wsUrl, contracts, settings);
}

/**
 * Starts a Hardhat node, deploys the DepositFactory, the test tokens (pegged to USD) and an
 * ETH / USD price feed (2,500 USD), funds the
 * customer accounts with every test token, and returns the chain's Kassa configuration.
 */
export async function startLocalChain(options: KassaTestChainOptions & LocalChainSettings = {}): Promise<LocalChain> {
  const chain = await startKassaTestChain(options);
  try {
    await mintTestTokens(chain.deployer, chain.publicClient, customerMints(chain.contracts));
    return { ...chain, config: chainConfigOf(chain.node.chainId, chain.node.rpcUrl, chain.node.wsUrl, chain.contracts, options) };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

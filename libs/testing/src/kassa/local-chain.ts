import type { ChainConfig } from '@kassa/config';
import { mintTestTokens, TEST_TOKENS } from '@kassa/chain';

import { HARDHAT_ACCOUNTS } from '../hardhat/accounts';
import type { HardhatNodeOptions } from '../hardhat/hardhat-node';
import { type KassaTestChain, startKassaTestChain } from '../hardhat/kassa-chain';

/** Accounts of the local chain by role. */
export const LOCAL_ROLES = {
  /** Deploys the contracts. */
  deployer: 0,
  /** The demo merchant's treasury. */
  treasury: 9,
  /** Customers: funded with test tokens, used by the simulator (`kassa pay`). */
  customers: [1, 2, 3, 4, 5],
} as const;

/** Test tokens minted to each customer account: 1,000,000 of each. */
const CUSTOMER_FUNDS = 1_000_000n;

/** A local chain with Kassa's contracts, and its Kassa chain configuration. */
export interface LocalChain extends KassaTestChain {
  config: ChainConfig;
}

/**
 * Starts a Hardhat node, deploys the DepositFactory and the test tokens, funds the
 * customer accounts with every test token, and returns the chain's Kassa configuration.
 */
export async function startLocalChain(
  options: HardhatNodeOptions & { confirmations?: number; pollIntervalMs?: number; name?: string } = {},
): Promise<LocalChain> {
  const chain = await startKassaTestChain(options);
  try {
    const tokens = (Object.keys(TEST_TOKENS) as (keyof typeof TEST_TOKENS)[]).map((symbol) => ({
      symbol,
      address: chain.contracts.tokens[symbol],
      decimals: TEST_TOKENS[symbol].decimals,
    }));
    await mintTestTokens(
      chain.deployer,
      chain.publicClient,
      LOCAL_ROLES.customers.flatMap((index) =>
        tokens.map((token) => ({ token: token.address, to: HARDHAT_ACCOUNTS[index]!.address, amount: CUSTOMER_FUNDS * 10n ** BigInt(token.decimals) })),
      ),
    );
    const config: ChainConfig = {
      chainId: chain.node.chainId,
      name: options.name ?? 'Hardhat (local)',
      rpcUrls: [chain.node.rpcUrl],
      wsUrl: chain.node.wsUrl,
      confirmations: options.confirmations ?? 3,
      finalityDepth: 64,
      pollIntervalMs: options.pollIntervalMs ?? 500,
      startBlock: 0,
      nativeCurrency: { symbol: 'ETH', decimals: 18 },
      factoryAddress: chain.contracts.factory,
      implementationAddress: chain.contracts.implementation,
      tokens,
    };
    return { ...chain, config };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type Chain,
  type Hash,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployKassaContracts, type KassaContracts } from '../deploy';
import { HARDHAT_ACCOUNTS } from './accounts';
import { startHardhatNode, type HardhatNode, type HardhatNodeOptions } from './hardhat-node';

/** A wallet client signing locally with one of the {@link HARDHAT_ACCOUNTS}. */
export type HardhatWalletClient = WalletClient<HttpTransport, Chain, Account>;

/** A Hardhat node with Kassa's contracts deployed and viem clients bound to it. */
export interface KassaTestChain {
  node: HardhatNode;
  publicClient: PublicClient<HttpTransport, Chain>;
  /** Wallet of HARDHAT_ACCOUNTS[0], which deployed the contracts. */
  deployer: HardhatWalletClient;
  /** DepositFactory, its forwarder implementation, the test tokens (USDC, DAI, USDT) and the ETH / USD price feed. */
  contracts: KassaContracts;
  /** Wallet of HARDHAT_ACCOUNTS[index] (0..9). @throws RangeError outside 0..9. */
  wallet(index: number): HardhatWalletClient;
  /**
   * Waits for a transaction and returns the time of the block that mined it (unix seconds).
   * @throws Error when it reverted
   */
  minedAt(hash: Hash): Promise<bigint>;
  /** Stops the node (see {@link HardhatNode.stop}). */
  stop(): Promise<void>;
}

/** Options of {@link startKassaTestChain}. */
export interface KassaTestChainOptions extends HardhatNodeOptions {
  /**
   * Empty transactions the deployer sends before deploying, so the test tokens and the feed
   * land at other addresses than on a fresh node (the factory and implementation are at their
   * one address on every chain whatever the deployer did before). Default 0.
   */
  deployerNonceOffset?: number;
}

/**
 * Starts a Hardhat node ({@link startHardhatNode}) and deploys the DepositFactory, the test
 * tokens and the ETH / USD test price feed from account 0. Clients never cache block numbers
 * (`cacheTime: 0`), so tests see a block as soon as it is mined.
 *
 * @throws as startHardhatNode and deployKassaContracts (contracts not compiled: run
 *   `npm run build:contracts`); the node is stopped before the error is rethrown.
 */
export async function startKassaTestChain(options: KassaTestChainOptions = {}): Promise<KassaTestChain> {
  const node = await startHardhatNode(options);
  try {
    // A local node needs no retries, and viem would retry a revert (JSON-RPC -32603) for ~1 s.
    const transport = http(node.rpcUrl, { retryCount: 0 });
    const publicClient = createPublicClient({ chain: node.chain, transport, cacheTime: 0, pollingInterval: 50 });
    const wallet = (index: number): HardhatWalletClient => {
      const account = HARDHAT_ACCOUNTS[index];
      if (!account) throw new RangeError(`No Hardhat account ${index}; there are ${HARDHAT_ACCOUNTS.length}`);
      return createWalletClient({
        account: privateKeyToAccount(account.privateKey),
        chain: node.chain,
        transport,
        cacheTime: 0,
        pollingInterval: 50,
      });
    };
    const deployer = wallet(0);
    for (let i = 0; i < (options.deployerNonceOffset ?? 0); i++) {
      await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: deployer.account.address, value: 0n }) });
    }
    const contracts = await deployKassaContracts(deployer, publicClient);
    const minedAt = async (hash: Hash): Promise<bigint> => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`Transaction ${hash} reverted`);
      return (await publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    };
    return { node, publicClient, deployer, contracts, wallet, minedAt, stop: node.stop };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

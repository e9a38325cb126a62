import {
  BaseError,
  getAddress,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { depositFactoryAbi, testTokenMintAbi } from './contracts/abis';
import { loadContractArtifact, type KassaContractName } from './contracts/artifacts';
import { ContractDeploymentError, TransactionRevertedError } from './errors';

/**
 * Deploying Kassa's contracts with viem from compiled artifacts: the DepositFactory (which
 * deploys its DepositForwarder implementation) on any chain, and the test tokens on local chains.
 */

/** A wallet client with its account and chain set, as built by `createWalletClient({ account, chain, transport })`. */
export type DeployerWalletClient = WalletClient<Transport, Chain, Account>;

/** Local-chain test tokens, by symbol. */
export type TestTokenSymbol = 'USDC' | 'DAI' | 'USDT';

/** Contract name and decimals of each test token (see `contracts/src/Test*.sol`). */
export const TEST_TOKENS = {
  /** 6 decimals, standard ERC-20. */
  USDC: { contract: 'TestUSDC', decimals: 6 },
  /** 18 decimals, standard ERC-20. */
  DAI: { contract: 'TestDAI', decimals: 18 },
  /** 6 decimals; `transfer`/`transferFrom`/`approve` return nothing, like mainnet USDT. */
  USDT: { contract: 'TestUSDT', decimals: 6 },
} as const satisfies Record<TestTokenSymbol, { contract: KassaContractName; decimals: number }>;

/** Addresses of a DepositFactory and the forwarder implementation it deployed. */
export interface DepositFactoryDeployment {
  factory: Address;
  implementation: Address;
}

/** Addresses of everything {@link deployKassaContracts} deploys. */
export interface KassaContracts extends DepositFactoryDeployment {
  tokens: Record<TestTokenSymbol, Address>;
  /**
   * Local price feeds by the coin they price: `ETH` is a TestPriceFeed (Chainlink
   * AggregatorV3Interface reads, 8 decimals) quoting ETH in USD, 2,500 until moved.
   */
  priceFeeds: { ETH: Address };
}

/** Options shared by the deploy helpers. */
export interface DeployOptions {
  /** Hardhat artifacts folder; defaults to this checkout's `contracts/artifacts`. */
  artifactsDir?: string;
}

/**
 * Deploys any compiled contract of `contracts/src` that takes no constructor arguments (e.g.
 * the test-only helpers in `contracts/src/test`) and waits for it to be mined.
 *
 * @returns the contract address (EIP-55 checksummed).
 * @throws ContractArtifactsMissingError when the contracts are not compiled;
 *   ContractDeploymentError (viem error as `cause`) when sending or mining fails.
 */
export async function deployArtifact(
  walletClient: DeployerWalletClient,
  publicClient: PublicClient,
  name: KassaContractName,
  options: DeployOptions = {},
): Promise<Address> {
  const hash = await sendDeployment(walletClient, name, options);
  return deployedAddress(publicClient, name, hash);
}

/**
 * Deploys a DepositFactory (its constructor deploys the DepositForwarder implementation) from
 * the wallet's account and waits for it to be mined.
 *
 * @returns factory and implementation addresses (EIP-55 checksummed).
 * @throws ContractArtifactsMissingError when the contracts are not compiled;
 *   ContractDeploymentError (viem error as `cause`) when sending or mining fails.
 */
export async function deployDepositFactory(
  walletClient: DeployerWalletClient,
  publicClient: PublicClient,
  options: DeployOptions = {},
): Promise<DepositFactoryDeployment> {
  const hash = await sendDeployment(walletClient, 'DepositFactory', options);
  const factory = await deployedAddress(publicClient, 'DepositFactory', hash);
  const implementation = await publicClient.readContract({
    address: factory,
    abi: depositFactoryAbi,
    functionName: 'implementation',
  });
  return { factory, implementation };
}

/**
 * Deploys the DepositFactory (with its forwarder implementation), the three test tokens
 * (USDC, DAI, USDT) and then an ETH / USD TestPriceFeed from the wallet's account.
 * Transactions are sent one after the other (so nonces follow) and their receipts awaited
 * together. Addresses follow from the deployer's nonce (CREATE), so the feed comes last: the
 * factory and token addresses stay what they were before there was a feed.
 *
 * @returns all addresses (EIP-55 checksummed).
 * @throws as {@link deployDepositFactory}.
 */
export async function deployKassaContracts(
  walletClient: DeployerWalletClient,
  publicClient: PublicClient,
  options: DeployOptions = {},
): Promise<KassaContracts> {
  const factoryHash = await sendDeployment(walletClient, 'DepositFactory', options);
  const usdcHash = await sendDeployment(walletClient, TEST_TOKENS.USDC.contract, options);
  const daiHash = await sendDeployment(walletClient, TEST_TOKENS.DAI.contract, options);
  const usdtHash = await sendDeployment(walletClient, TEST_TOKENS.USDT.contract, options);
  const ethFeedHash = await sendDeployment(walletClient, 'TestPriceFeed', options);

  const [factory, USDC, DAI, USDT, ETH] = await Promise.all([
    deployedAddress(publicClient, 'DepositFactory', factoryHash),
    deployedAddress(publicClient, TEST_TOKENS.USDC.contract, usdcHash),
    deployedAddress(publicClient, TEST_TOKENS.DAI.contract, daiHash),
    deployedAddress(publicClient, TEST_TOKENS.USDT.contract, usdtHash),
    deployedAddress(publicClient, 'TestPriceFeed', ethFeedHash),
  ]);
  const implementation = await publicClient.readContract({
    address: factory,
    abi: depositFactoryAbi,
    functionName: 'implementation',
  });
  return { factory, implementation, tokens: { USDC, DAI, USDT }, priceFeeds: { ETH } };
}

/** One test-token mint: `amount` base units of `token` for `to`. */
export interface TestTokenMint {
  token: Address;
  to: Address;
  /** Base units (bigint), e.g. 25_000_000n for 25 USDC. */
  amount: bigint;
}

/**
 * Mints test tokens (public `mint` of TestUSDC/TestDAI/TestUSDT) from the wallet's account,
 * sending the transactions one after the other and waiting until all are mined.
 *
 * @returns the mined transaction hashes, in the order of `mints`.
 * @throws TransactionRevertedError when a mint reverts (e.g. `token` is not a test token);
 *   viem errors from sending are thrown as they are.
 */
export async function mintTestTokens(
  walletClient: DeployerWalletClient,
  publicClient: PublicClient,
  mints: readonly TestTokenMint[],
): Promise<Hash[]> {
  const hashes: Hash[] = [];
  for (const { token, to, amount } of mints) {
    hashes.push(
      await walletClient.writeContract({
        address: token,
        abi: testTokenMintAbi,
        functionName: 'mint',
        args: [to, amount],
      }),
    );
  }
  await Promise.all(
    hashes.map(async (hash, i) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') {
        const { token, to, amount } = mints[i]!;
        throw new TransactionRevertedError(`mint(${to}, ${amount}) on ${token} reverted in transaction ${hash}`);
      }
    }),
  );
  return hashes;
}

async function sendDeployment(
  walletClient: DeployerWalletClient,
  name: KassaContractName,
  { artifactsDir }: DeployOptions,
): Promise<Hash> {
  const { abi, bytecode } = loadContractArtifact(name, artifactsDir);
  try {
    return await walletClient.deployContract({ abi, bytecode });
  } catch (error) {
    throw new ContractDeploymentError(`Sending the ${name} deployment failed: ${shortMessage(error)}`, {
      cause: error,
    });
  }
}

async function deployedAddress(publicClient: PublicClient, name: KassaContractName, hash: Hash): Promise<Address> {
  let receipt;
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash });
  } catch (error) {
    throw new ContractDeploymentError(`Waiting for the ${name} deployment ${hash} failed: ${shortMessage(error)}`, {
      cause: error,
    });
  }
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new ContractDeploymentError(`The ${name} deployment ${hash} reverted or created no contract`);
  }
  return getAddress(receipt.contractAddress);
}

/** viem errors carry a one-line `shortMessage`; other errors only `message`. */
function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

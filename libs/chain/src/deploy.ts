import { BaseError, getAddress, type Address, type Hash, type PublicClient } from 'viem';

import { testTokenMintAbi } from './contracts/abis';
import { loadContractArtifact, type KassaContractName } from './contracts/artifacts';
import { deployFactory, type DeployerWalletClient } from './deterministic-deployment';
import { ContractDeploymentError, TransactionRevertedError } from './errors';

/**
 * Deploying Kassa's contracts with viem from compiled artifacts: the DepositFactory (which
 * deploys its DepositForwarder implementation) on any chain at one address
 * (deterministic-deployment.ts), and the test tokens on local chains.
 */


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

/** Addresses of the DepositFactory and the forwarder implementation it deployed. */
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
 * Deploys Kassa's DepositFactory (with its forwarder implementation) at its address of every
 * chain ({@link deployFactory}: through the deterministic deployment proxy, installed first
 * where the chain lacks it), then the three test tokens (USDC, DAI, USDT) and an ETH / USD
 * TestPriceFeed from the wallet's account. The test contracts' addresses follow from the
 * deployer's nonce (CREATE); transactions are sent one after the other and their receipts
 * awaited together.
 *
 * @returns all addresses (EIP-55 checksummed).
 * @throws ContractArtifactsMissingError when the contracts are not compiled;
 *   ContractDeploymentError (viem error as `cause`) when sending or mining fails.
 */
export async function deployKassaContracts(
  walletClient: DeployerWalletClient,
  publicClient: PublicClient,
  options: DeployOptions = {},
): Promise<KassaContracts> {
  const { plan } = await deployFactory(walletClient, publicClient, options.artifactsDir);
  const usdcHash = await sendDeployment(walletClient, TEST_TOKENS.USDC.contract, options);
  const daiHash = await sendDeployment(walletClient, TEST_TOKENS.DAI.contract, options);
  const usdtHash = await sendDeployment(walletClient, TEST_TOKENS.USDT.contract, options);
  const ethFeedHash = await sendDeployment(walletClient, 'TestPriceFeed', options);

  const [USDC, DAI, USDT, ETH] = await Promise.all([
    deployedAddress(publicClient, TEST_TOKENS.USDC.contract, usdcHash),
    deployedAddress(publicClient, TEST_TOKENS.DAI.contract, daiHash),
    deployedAddress(publicClient, TEST_TOKENS.USDT.contract, usdtHash),
    deployedAddress(publicClient, 'TestPriceFeed', ethFeedHash),
  ]);
  return { factory: plan.factory, implementation: plan.implementation, tokens: { USDC, DAI, USDT }, priceFeeds: { ETH } };
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

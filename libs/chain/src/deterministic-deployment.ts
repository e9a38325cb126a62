import {
  type Account,
  type Address,
  type Chain,
  concatHex,
  getAddress,
  getContractAddress,
  type Hash,
  type Hex,
  keccak256,
  type PublicClient,
  toHex,
  type Transport,
  type WalletClient,
} from 'viem';

import { loadContractArtifact, runtimeCodeWithImmutables } from './contracts/artifacts';
import { ContractDeploymentError } from './errors';

/**
 * Kassa's DepositFactory at the same address on every EVM chain. The factory is created with
 * CREATE2 through the deterministic deployment proxy, whose own address is the same everywhere
 * because it is installed by one presigned transaction without a chain id; the factory's
 * constructor then creates the forwarder implementation with CREATE at the factory's nonce 1.
 * So factory, implementation and every deposit address (CREATE2 of the factory) depend only
 * on the compiled code, never on who deployed or when.
 *
 * Source of the proxy's facts: github.com/Arachnid/deterministic-deployment-proxy, README,
 * "Latest Outputs" (proxy address, deployment transaction, signer, gas price 100 gwei, gas
 * limit 100,000). The proxy takes calldata `salt (32 bytes) ++ init code` and CREATE2s it.
 */
export const DETERMINISTIC_DEPLOYMENT_PROXY: Address = getAddress('0x4e59b44847b379578588920ca78fbf26c0b4956c');

/** The one-time transaction that installs the proxy on a chain that lacks it (same source). */
export const DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL = {
  /** The one-time signer; it must hold `gasPrice * gasLimit` (0.01 of the native coin) first. */
  signer: getAddress('0x3fab184622dc19b6109349b94811493bf2a45362'),
  /** Pre-EIP-155 (no chain id), so valid on every chain that accepts such transactions. */
  rawTransaction:
    '0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222' as Hex,
  /** 100 gwei, in wei. */
  gasPrice: 100_000_000_000n,
  gasLimit: 100_000n,
} as const;

/** The CREATE2 salt of Kassa's DepositFactory under the proxy: keccak256("kassa.DepositFactory.v1"). A new salt is a new factory. */
export const DEPOSIT_FACTORY_SALT: Hash = keccak256(toHex('kassa.DepositFactory.v1'));

/** A wallet client with its account and chain set, as built by `createWalletClient({ account, chain, transport })`. */
export type DeployerWalletClient = WalletClient<Transport, Chain, Account>;

/** Where Kassa's contracts are on every chain, and the code they must hold there. */
export interface DeterministicFactory {
  factory: Address;
  implementation: Address;
  /** The DepositFactory creation code sent through the proxy. */
  initCode: Hex;
  /** The runtime code the factory holds (its implementation address filled in), lower case. */
  factoryCode: Hex;
  /** The runtime code the forwarder implementation holds (its own address filled in), lower case. */
  implementationCode: Hex;
}

/**
 * Kassa's factory and implementation addresses and their expected code, computed offline
 * from the compiled contracts.
 * @throws ContractArtifactsMissingError when the contracts are not compiled
 */
export function deterministicFactory(artifactsDir?: string): DeterministicFactory {
  const initCode = loadContractArtifact('DepositFactory', artifactsDir).bytecode;
  const factory = getContractAddress({ opcode: 'CREATE2', from: DETERMINISTIC_DEPLOYMENT_PROXY, salt: DEPOSIT_FACTORY_SALT, bytecode: initCode });
  // A contract's nonce starts at 1 (EIP-161): the constructor's `new DepositForwarder()` is its first CREATE.
  const implementation = getContractAddress({ opcode: 'CREATE', from: factory, nonce: 1n });
  return {
    factory,
    implementation,
    initCode,
    factoryCode: runtimeCodeWithImmutables('DepositFactory', [implementation], artifactsDir),
    implementationCode: runtimeCodeWithImmutables('DepositForwarder', [implementation], artifactsDir),
  };
}

/** One transaction of a deployment. */
export interface DeploymentStep {
  what: 'fund the proxy signer' | 'install the deployment proxy' | 'deploy the DepositFactory';
  from: Address;
  /**
   * Gas the step needs (estimated by the node, or the presigned transaction's limit); null
   * where the node cannot estimate it yet (the factory's CREATE2 before the proxy is installed,
   * on a node that takes no state overrides): it is estimated when the step is sent.
   */
  gas: bigint | null;
  /** Wei per gas the step pays. */
  gasPrice: bigint;
  /** Native coin sent with it, wei. */
  value: bigint;
}

/** What {@link planFactoryDeployment} found on a chain and what remains to send. */
export interface DeploymentPlan {
  chainId: number;
  factory: Address;
  implementation: Address;
  /** `deployed`: the factory and implementation hold Kassa's code; nothing to send. */
  state: 'deployed' | 'to-deploy';
  proxyInstalled: boolean;
  steps: DeploymentStep[];
  /** Wei the deployer spends: every step's gas at its price, plus the value it sends (without the steps whose gas is null). */
  cost: bigint;
}

/**
 * Reads the chain and plans the deployment of Kassa's factory from `deployer`: nothing when it
 * is there with Kassa's code; else (funding the one-time signer and installing the proxy where
 * the chain lacks it, then) one CREATE2 through the proxy. Sends nothing.
 *
 * @throws ContractDeploymentError when the factory or implementation address holds other code
 *   (another compiler output: it cannot be replaced), or the deployment cannot be estimated
 */
export async function planFactoryDeployment(client: PublicClient, deployer: Address, artifactsDir?: string): Promise<DeploymentPlan> {
  const expected = deterministicFactory(artifactsDir);
  const [chainId, proxyCode, factoryCode, implementationCode, gasPrice] = await Promise.all([
    client.getChainId(),
    client.getCode({ address: DETERMINISTIC_DEPLOYMENT_PROXY }),
    client.getCode({ address: expected.factory }),
    client.getCode({ address: expected.implementation }),
    client.getGasPrice(),
  ]);
  const base = { chainId, factory: expected.factory, implementation: expected.implementation, proxyInstalled: hasCode(proxyCode) };
  if (hasCode(factoryCode) || hasCode(implementationCode)) {
    assertCode(chainId, 'DepositFactory', expected.factory, factoryCode, expected.factoryCode);
    assertCode(chainId, 'DepositForwarder implementation', expected.implementation, implementationCode, expected.implementationCode);
    return { ...base, state: 'deployed', steps: [], cost: 0n };
  }

  const steps: DeploymentStep[] = [];
  const install = DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL;
  if (!base.proxyInstalled) {
    const needed = install.gasPrice * install.gasLimit;
    const balance = await client.getBalance({ address: install.signer });
    if (balance < needed) steps.push({ what: 'fund the proxy signer', from: deployer, gas: 21_000n, gasPrice, value: needed - balance });
    steps.push({ what: 'install the deployment proxy', from: install.signer, gas: install.gasLimit, gasPrice: install.gasPrice, value: 0n });
  }
  const gas = await estimateFactoryGas(client, deployer, expected.initCode, base.proxyInstalled);
  steps.push({ what: 'deploy the DepositFactory', from: deployer, gas, gasPrice, value: 0n });
  // The proxy's install is paid by the signer out of the funding step's value: count it once.
  const cost = steps.filter((step) => step.from === deployer).reduce((sum, step) => sum + (step.gas ?? 0n) * step.gasPrice + step.value, 0n);
  return { ...base, state: 'to-deploy', steps, cost };
}

/**
 * Deploys Kassa's factory from the wallet's account as {@link planFactoryDeployment} plans it,
 * waiting for each transaction, then checks the code at both addresses. Run again on a chain
 * that has it, it sends nothing.
 *
 * @returns the plan that was carried out and the hashes of the transactions sent
 * @throws ContractDeploymentError when a transaction reverts or the addresses end up without Kassa's code
 */
export async function deployFactory(
  wallet: DeployerWalletClient,
  client: PublicClient,
  artifactsDir?: string,
): Promise<{ plan: DeploymentPlan; hashes: Hash[] }> {
  const plan = await planFactoryDeployment(client, wallet.account.address, artifactsDir);
  const expected = deterministicFactory(artifactsDir);
  const hashes: Hash[] = [];
  const mined = async (what: string, hash: Hash) => {
    hashes.push(hash);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new ContractDeploymentError(`Chain ${plan.chainId}: ${what} (${hash}) reverted`);
  };
  for (const step of plan.steps) {
    if (step.what === 'fund the proxy signer') {
      await mined(step.what, await wallet.sendTransaction({ to: DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL.signer, value: step.value }));
    } else if (step.what === 'install the deployment proxy') {
      await mined(step.what, await client.request({ method: 'eth_sendRawTransaction', params: [DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL.rawTransaction] }));
    } else {
      const gas = step.gas ?? (await estimateFactoryGas(client, wallet.account.address, expected.initCode, true));
      if (gas === null) throw new ContractDeploymentError(`Chain ${plan.chainId}: the DepositFactory deployment could not be estimated`);
      await mined(step.what, await wallet.sendTransaction({ to: DETERMINISTIC_DEPLOYMENT_PROXY, data: concatHex([DEPOSIT_FACTORY_SALT, expected.initCode]), gas }));
    }
  }
  if (plan.state === 'to-deploy') {
    const [factoryCode, implementationCode] = await Promise.all([client.getCode({ address: plan.factory }), client.getCode({ address: plan.implementation })]);
    assertCode(plan.chainId, 'DepositFactory', plan.factory, factoryCode, expected.factoryCode);
    assertCode(plan.chainId, 'DepositForwarder implementation', plan.implementation, implementationCode, expected.implementationCode);
  }
  return { plan, hashes };
}

/**
 * Gas of the CREATE2 through the proxy, as the node estimates it, with 20% headroom. Where the
 * proxy is not installed yet the estimate runs with the proxy's code set by a state override
 * (`eth_estimateGas`'s third parameter, geth's and most providers'); a node that refuses
 * overrides (Hardhat) answers null: the step is estimated once the proxy is installed.
 * @throws ContractDeploymentError when the node cannot estimate the call with the proxy installed
 */
async function estimateFactoryGas(client: PublicClient, deployer: Address, initCode: Hex, proxyInstalled: boolean): Promise<bigint | null> {
  const data = concatHex([DEPOSIT_FACTORY_SALT, initCode]);
  try {
    const estimate = await client.estimateGas({
      account: deployer,
      to: DETERMINISTIC_DEPLOYMENT_PROXY,
      data,
      ...(proxyInstalled ? {} : { stateOverride: [{ address: DETERMINISTIC_DEPLOYMENT_PROXY, code: PROXY_RUNTIME_CODE }] }),
    });
    // 20% headroom: a CREATE2 that runs out of gas still costs its gas.
    return (estimate * 12n) / 10n;
  } catch (error) {
    if (!proxyInstalled) return null;
    throw new ContractDeploymentError(`The DepositFactory deployment could not be estimated: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
}

/** The proxy's runtime code (what its install transaction leaves at its address). */
const PROXY_RUNTIME_CODE: Hex = '0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3';

const hasCode = (code: Hex | undefined): boolean => code !== undefined && code !== '0x';

function assertCode(chainId: number, what: string, address: Address, found: Hex | undefined, expected: Hex): void {
  if (found?.toLowerCase() === expected) return;
  throw new ContractDeploymentError(
    `Chain ${chainId}: ${address} should hold Kassa's ${what}, but holds ${hasCode(found) ? `other code (hash ${keccak256(found!)}, expected ${keccak256(expected)})` : 'no code'}`,
  );
}

import { readFileSync } from 'node:fs';

import { createPublicClient, createWalletClient, defineChain, formatEther, formatGwei, type Hex, http, isHex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { type ChainVerification, deployFactory, type DeployerWalletClient, type DeploymentPlan, planFactoryDeployment, verifyChain } from '@kassa/chain';
import type { ChainConfig, Secret } from '@kassa/config';

import { CliError } from './pay.command';

/** The environment variable `kassa chain deploy` reads the deployer's private key from. */
export const DEPLOYER_KEY_VARIABLE = 'KASSA_DEPLOYER_KEY';

/**
 * The deployer's private key: from `--key-file` (the file's first line), else the configured
 * `KASSA_DEPLOYER_KEY` (validated by the configuration); never from an argument, which shell
 * histories and process lists keep.
 * @throws CliError when neither is given or the file's key is not 32 bytes of hex
 */
export function deployerKey(keyFile: string | undefined, configured: Secret | null): Hex {
  let raw: string | undefined;
  if (keyFile) {
    try {
      raw = readFileSync(keyFile, 'utf8').split('\n')[0];
    } catch (error) {
      throw new CliError(`Cannot read the deployer key file ${keyFile}: ${(error as Error).message}`);
    }
  } else {
    raw = configured?.reveal();
  }
  if (!raw) throw new CliError(`No deployer key: set ${DEPLOYER_KEY_VARIABLE} or pass --key-file <file>`);
  const key = raw.trim().startsWith('0x') ? raw.trim() : `0x${raw.trim()}`;
  if (!isHex(key) || key.length !== 66) throw new CliError('The deployer key must be 32 bytes of hex (64 hex digits, 0x optional)');
  return key;
}

/** What `kassa chain deploy` did or would do. */
export interface DeployOutcome {
  plan: DeploymentPlan;
  broadcast: boolean;
  hashes: Hex[];
}

/**
 * The chain behind `rpcUrl` as a command that sends from `key` needs it: its chain id, a read
 * client and a wallet of the key (one retry per request).
 * @throws CliError when the node does not answer
 */
export async function connectWithKey(rpcUrl: string, key: Hex): Promise<{ chainId: number; client: PublicClient; wallet: DeployerWalletClient }> {
  const transport = http(rpcUrl, { retryCount: 1 });
  const client = createPublicClient({ transport }) as PublicClient;
  const chainId = await client.getChainId().catch((error: Error) => {
    throw new CliError(`The node at ${rpcUrl} does not answer: ${error.message.split('\n')[0]}`);
  });
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'native', symbol: 'native', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  return { chainId, client, wallet: createWalletClient({ account: privateKeyToAccount(key), chain, transport }) };
}

/**
 * `kassa chain deploy --rpc URL [--broadcast]`: plans (dry run, the default) or carries out the
 * deterministic deployment of Kassa's factory on the chain behind `rpcUrl`
 * (`planFactoryDeployment`, `deployFactory`): the same address on every chain. Run again on a
 * chain that has it, it verifies the code there and sends nothing.
 * @throws CliError when the node does not answer or the deployment fails (its reason named)
 */
export async function deployToChain(rpcUrl: string, key: Hex, broadcast: boolean): Promise<DeployOutcome> {
  const { chainId, client, wallet } = await connectWithKey(rpcUrl, key);
  try {
    if (!broadcast) return { plan: await planFactoryDeployment(client, wallet.account.address), broadcast, hashes: [] };
    const { plan, hashes } = await deployFactory(wallet, client);
    return { plan, broadcast, hashes };
  } catch (error) {
    throw new CliError(`Chain ${chainId}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The lines `kassa chain deploy` prints. */
export function formatDeployment({ plan, broadcast, hashes }: DeployOutcome): string[] {
  const head = [`Chain ${plan.chainId}: DepositFactory ${plan.factory}, implementation ${plan.implementation}`];
  if (plan.state === 'deployed') return [...head, 'Already deployed: both hold Kassa\'s code. Nothing to send.'];
  const steps = plan.steps.map(
    (step) =>
      `  ${step.what}: from ${step.from}, gas ${step.gas === null ? 'estimated once the proxy is installed' : step.gas.toString()} at ${formatGwei(step.gasPrice)} gwei` +
      (step.value > 0n ? `, sending ${formatEther(step.value)}` : ''),
  );
  const cost = `Cost at the current fee: ${formatEther(plan.cost)} of the native coin${plan.steps.some((step) => step.gas === null) ? ' plus the factory\'s gas' : ''}`;
  if (!broadcast) return [...head, 'Dry run: nothing was sent. Would send:', ...steps, cost, 'Run again with --broadcast to send.'];
  return [...head, 'Deployed:', ...steps, ...hashes.map((hash) => `  transaction ${hash}`)];
}

/**
 * `kassa chain verify`: every configured chain checked against its node (`verifyChain`).
 * @returns the results and the lines to print; `ok` is false when a chain contradicts its
 *   configuration or does not answer
 */
export async function verifyChains(chains: readonly ChainConfig[]): Promise<{ ok: boolean; lines: string[]; results: ChainVerification[] }> {
  if (chains.length === 0) throw new CliError('No chains are configured (KASSA_CHAINS or KASSA_CHAINS_FILE)');
  const results = await Promise.all(chains.map((chain) => verifyChain(chain)));
  const lines = results.flatMap((result) => {
    const title = `Chain ${result.chainId} (${result.name}):`;
    if (!result.reachable) return [`${title} the node does not answer: ${result.error ?? 'no answer'}`];
    if (result.mismatches.length === 0) return [`${title} as configured`];
    return [title, ...result.mismatches.map((m) => `  ${m.field}: expected ${m.expected}, found ${m.found}`)];
  });
  return { ok: results.every((result) => result.reachable && result.mismatches.length === 0), lines, results };
}

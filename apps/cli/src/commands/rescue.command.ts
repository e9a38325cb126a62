import { type Address, createPublicClient, createWalletClient, defineChain, erc20Abi, formatUnits, getAddress, type Hex, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { DataSource } from 'typeorm';

import { deployFactory, depositAddress, deterministicFactory, encodeFlushCall, flushedAmounts, planFactoryDeployment } from '@kassa/chain';
import { paymentOptionsOf } from '@kassa/domain';
import { PaymentsRepository, type RescuedAmount, RescuesRepository } from '@kassa/persistence';

import { CliError } from './pay.command';

/** What `kassa rescue` found at one deposit address, and what it moved (empty in a dry run). */
export interface RescueOutcome {
  chainId: number;
  depositAddress: Address;
  treasury: Address;
  /** Balances found: base units, `token` null for the native coin. Zero balances are left out. */
  found: RescuedAmount[];
  /** Whether the factory had to be deployed first (in a dry run: would have to be). */
  factoryDeployed: boolean;
  broadcast: boolean;
  /** The flush transaction (null in a dry run or when nothing was there). */
  txHash: Hex | null;
  moved: RescuedAmount[];
}

/** Inputs of {@link rescuePayment}. */
export interface RescueInput {
  paymentId: string;
  rpcUrl: string;
  /** The key that pays the gas (and deploys the factory where it is missing). */
  key: Hex;
  /** ERC-20 contracts to look for on that chain, besides the native coin. */
  tokens: readonly Address[];
  /** Chain ids Kassa watches: their settlement moves what arrives there, not a rescue. */
  watchedChainIds: readonly number[];
  broadcast: boolean;
}

/**
 * `kassa rescue --payment <id> --rpc <url>`: coins a customer sent to a payment's deposit
 * address on a chain Kassa does not watch. The address is the same there (the factory is at
 * its one address on every chain, docs/deployment.md), bound to the same treasury by its
 * salt, so on that chain Kassa can deploy the factory if it is missing (deterministic
 * deployment) and flush the address to the treasury it is bound to: nobody else can receive
 * it. A dry run by default; with `broadcast` it sends and records what the flush moved
 * (`rescues`, from the transaction's `Flushed` events).
 *
 * @throws CliError for an unknown payment, a watched chain, a node that does not answer, or a
 *   flush that reverts
 */
export async function rescuePayment(dataSource: DataSource, input: RescueInput): Promise<RescueOutcome[]> {
  const payment = await new PaymentsRepository(dataSource).findByIdUnscoped(input.paymentId);
  if (!payment) throw new CliError(`No payment ${input.paymentId}`);
  const client = createPublicClient({ transport: http(input.rpcUrl, { retryCount: 1 }) }) as PublicClient;
  const chainId = await client.getChainId().catch((error: Error) => {
    throw new CliError(`The node at ${input.rpcUrl} does not answer: ${error.message.split('\n')[0]}`);
  });
  if (input.watchedChainIds.includes(chainId)) {
    throw new CliError(`Chain ${chainId} is watched by Kassa: what arrives there counts towards the payment and is settled, not rescued`);
  }
  const account = privateKeyToAccount(input.key);
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'native', symbol: 'native', decimals: 18 }, rpcUrls: { default: { http: [input.rpcUrl] } } });
  const wallet = createWalletClient({ account, chain, transport: http(input.rpcUrl, { retryCount: 1 }) });
  const { factory, implementation } = deterministicFactory();

  // Every treasury an option of the payment is bound to gives one address the customer may have paid.
  const treasuries = [...new Set(paymentOptionsOf(payment).map((option) => getAddress(option.treasuryAddress)))];
  const outcomes: RescueOutcome[] = [];
  for (const treasury of treasuries) {
    const address = depositAddress({ factory, implementation, treasury, salt: payment.salt });
    const found = await balancesAt(client, address, input.tokens);
    const outcome: RescueOutcome = { chainId, depositAddress: address, treasury, found, factoryDeployed: false, broadcast: input.broadcast, txHash: null, moved: [] };
    outcomes.push(outcome);
    if (found.length === 0) continue;
    try {
      const plan = await planFactoryDeployment(client, account.address);
      outcome.factoryDeployed = plan.state === 'to-deploy';
      if (!input.broadcast) continue;
      if (outcome.factoryDeployed) await deployFactory(wallet, client);
      const hash = await wallet.sendTransaction({
        to: factory,
        data: encodeFlushCall([{ treasury, salt: payment.salt, tokens: found.map((amount) => amount.token) }]),
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new CliError(`The flush ${hash} on chain ${chainId} reverted`);
      outcome.txHash = hash;
      outcome.moved = flushedAmounts(receipt.logs).get(address) ?? [];
      await new RescuesRepository(dataSource).insert({ paymentId: payment.id, chainId, depositAddress: address, treasuryAddress: treasury, txHash: hash, moved: outcome.moved });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`Chain ${chainId}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return outcomes;
}

/** The native coin and each token's balance of `address` (base units), zero ones left out. */
async function balancesAt(client: PublicClient, address: Address, tokens: readonly Address[]): Promise<RescuedAmount[]> {
  const [native, ...held] = await Promise.all([
    client.getBalance({ address }),
    ...tokens.map((token) => client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] })),
  ]);
  return [{ token: null, amount: native! }, ...tokens.map((token, index) => ({ token: getAddress(token), amount: held[index]! }))].filter(({ amount }) => amount > 0n);
}

/** The lines `kassa rescue` prints (amounts in base units and, for the native coin, whole coins). */
export function formatRescue(paymentId: string, outcomes: readonly RescueOutcome[]): string[] {
  return outcomes.flatMap((outcome) => {
    const head = `Payment ${paymentId} on chain ${outcome.chainId}: deposit address ${outcome.depositAddress}, bound to treasury ${outcome.treasury}`;
    if (outcome.found.length === 0) return [head, '  nothing there to move'];
    const describe = ({ token, amount }: RescuedAmount) => (token ? `  ${amount} base units of token ${token}` : `  ${formatUnits(amount, 18)} of the native coin (${amount} wei)`);
    if (!outcome.broadcast) {
      return [
        head,
        'Dry run: nothing was sent. Would move to the treasury:',
        ...outcome.found.map(describe),
        ...(outcome.factoryDeployed ? ['  after deploying the DepositFactory there (kassa chain deploy)'] : []),
        'Run again with --broadcast to send.',
      ];
    }
    return [head, `Moved to the treasury in ${outcome.txHash}:`, ...outcome.moved.map(describe)];
  });
}

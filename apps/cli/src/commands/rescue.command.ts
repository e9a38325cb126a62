import { type Address, erc20Abi, formatUnits, getAddress, type Hex, type PublicClient } from 'viem';
import type { DataSource } from 'typeorm';

import { deployFactory, depositAddress, deterministicFactory, encodeFlushCall, flushedAmounts, planFactoryDeployment } from '@kassa/chain';
import { paymentOptionsOf } from '@kassa/domain';
import { PaymentsRepository, type RescuedAmount, RescuesRepository } from '@kassa/persistence';

import { connectWithKey } from './deploy.commands';
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
  const { chainId, client, wallet } = await connectWithKey(input.rpcUrl, input.key);
  if (input.watchedChainIds.includes(chainId)) {
    throw new CliError(`Chain ${chainId} is watched by Kassa: what arrives there counts towards the payment and is settled, not rescued`);
  }
  const { factory, implementation } = deterministicFactory();
  // Only addresses of Kassa's factory exist on every chain: an option of an older factory (one
  // deployed by an account's nonce) has no address this command can deploy and flush.
  const options = paymentOptionsOf(payment).filter((option) => getAddress(option.factoryAddress) === factory);
  if (options.length === 0) {
    throw new CliError(`Payment ${payment.id} was created with another factory than ${factory}: its deposit address exists only on the chains of that factory`);
  }

  // Every treasury an option of the payment is bound to gives one address the customer may have paid.
  const treasuries = [...new Set(options.map((option) => getAddress(option.treasuryAddress)))];
  const outcomes: RescueOutcome[] = await Promise.all(
    treasuries.map(async (treasury) => {
      const address = depositAddress({ factory, implementation, treasury, salt: payment.salt });
      const found = await balancesAt(client, address, input.tokens);
      return { chainId, depositAddress: address, treasury, found, factoryDeployed: false, broadcast: input.broadcast, txHash: null, moved: [] };
    }),
  );
  const holding = outcomes.filter((outcome) => outcome.found.length > 0);
  if (holding.length === 0) return outcomes;
  try {
    // One plan for the chain (and with --broadcast the deployment, which sends nothing where the factory is).
    const { plan } = input.broadcast ? await deployFactory(wallet, client) : { plan: await planFactoryDeployment(client, wallet.account.address) };
    for (const outcome of holding) {
      outcome.factoryDeployed = plan.state === 'to-deploy';
      if (!input.broadcast) continue;
      const hash = await wallet.sendTransaction({
        to: factory,
        data: encodeFlushCall([{ treasury: outcome.treasury, salt: payment.salt, tokens: outcome.found.map((amount) => amount.token) }]),
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new CliError(`The flush ${hash} on chain ${chainId} reverted`);
      outcome.txHash = hash;
      outcome.moved = flushedAmounts(receipt.logs).get(outcome.depositAddress) ?? [];
      await new RescuesRepository(dataSource).insert({
        paymentId: payment.id,
        chainId,
        depositAddress: outcome.depositAddress,
        treasuryAddress: outcome.treasury,
        txHash: hash,
        moved: outcome.moved,
      });
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Chain ${chainId}: ${(error as Error).message.split('\n')[0]}`);
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

import { createPublicClient, createWalletClient, defineChain, erc20Abi, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { KassaError, toBaseUnits } from '@kassa/domain';

/** A coin to pay on a chain, as the public checkout endpoint shows it: the payment's own, or one of its options. */
interface PayableCoin {
  chainId: number;
  networkName: string;
  currency: string;
  token: { address: Address | null; decimals: number };
  depositAddress: Address;
  amount: string;
  amountBaseUnits: string;
}

/** What the public checkout endpoint tells anyone about a payment (no secrets). */
interface PublicPayment extends PayableCoin {
  id: string;
  status: string;
  amountRemainingBaseUnits: string;
  options: (PayableCoin & { selected: boolean })[];
}

export interface PayOptions {
  apiUrl: string;
  /** JSON-RPC URL of the chain paid on, by chain id (undefined: none known). */
  rpcUrl: (chainId: number) => string | undefined;
  privateKey: Hex;
  /** Decimal amount in the paid coin; default: what is still missing (the whole amount of another option). */
  amount?: string;
  /** Pay the payment option of this coin (symbol) instead of the one the payment stands on. */
  currency?: string;
  /** With `currency`: the option's chain, when the coin is accepted on several. */
  chainId?: number;
}

/** A clear, user-facing failure of a CLI command (printed without a stack, exit code 1). */
export class CliError extends KassaError<'cli_failed'> {
  readonly code = 'cli_failed' as const;
}

/**
 * The customer simulator: pays a payment from a funded local account, sending the
 * payment's token (ERC-20 `transfer`, or a plain native-coin transfer) to its deposit
 * address; with `currency` (and `chainId`), the coin of another payment option, as a
 * customer who picks it on the checkout page (docs/pricing.md). Reads the payment from the public checkout endpoint, so it needs no API key.
 * @returns the transaction hash, once the transaction is mined
 * @throws CliError when the payment is unknown or final, the option does not exist or is
 *   ambiguous, no RPC URL is known for its chain, or the transaction fails
 */
export async function payPayment(
  paymentId: string,
  options: PayOptions,
): Promise<{ txHash: Hex; amountBaseUnits: bigint; paid: { currency: string; decimals: number; depositAddress: Address; chainId: number } }> {
  const response = await fetch(`${options.apiUrl.replace(/\/$/, '')}/pay/${encodeURIComponent(paymentId)}/status`).catch((error: Error) => {
    throw new CliError(`Cannot reach the Kassa API at ${options.apiUrl}: ${error.message}`);
  });
  if (response.status === 404) throw new CliError(`No payment with id '${paymentId}'`);
  if (!response.ok) throw new CliError(`The Kassa API answered ${response.status} for payment '${paymentId}'`);
  const payment = (await response.json()) as PublicPayment;
  if (['PAID', 'TIMEOUT', 'CANCELED'].includes(payment.status)) {
    throw new CliError(`Payment ${paymentId} is already ${payment.status}`);
  }
  const paid = options.currency === undefined ? payment : chosenOption(payment, options.currency, options.chainId);
  const amountBaseUnits = options.amount
    ? toBaseUnits(options.amount, paid.token.decimals)
    : paid === payment ? BigInt(payment.amountRemainingBaseUnits) : BigInt(paid.amountBaseUnits);
  if (amountBaseUnits <= 0n) throw new CliError(`Payment ${paymentId} has nothing left to pay`);
  const rpcUrl = options.rpcUrl(paid.chainId);
  if (!rpcUrl) throw new CliError(`No RPC URL for chain ${paid.chainId}: pass --rpc, or run \`npm start\` first`);

  const chain = defineChain({
    id: paid.chainId,
    name: paid.networkName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(options.privateKey);
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const remoteChainId = await client.getChainId().catch((error: Error) => {
    throw new CliError(`Cannot reach the RPC node at ${rpcUrl}: ${error.message}`);
  });
  if (remoteChainId !== paid.chainId) {
    throw new CliError(`The RPC node at ${rpcUrl} is chain ${remoteChainId}, the payment option is on chain ${paid.chainId}`);
  }
  const txHash = paid.token.address
    ? await wallet.writeContract({ address: paid.token.address, abi: erc20Abi, functionName: 'transfer', args: [paid.depositAddress, amountBaseUnits] })
    : await wallet.sendTransaction({ to: paid.depositAddress, value: amountBaseUnits });
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== 'success') throw new CliError(`Transaction ${txHash} reverted`);
  return { txHash, amountBaseUnits, paid: { currency: paid.currency, decimals: paid.token.decimals, depositAddress: paid.depositAddress, chainId: paid.chainId } };
}

/** The payment option of `currency` (case-insensitive), on `chainId` when given. */
function chosenOption(payment: PublicPayment, currency: string, chainId: number | undefined): PublicPayment['options'][number] {
  const matches = payment.options.filter(
    (option) => option.currency.toUpperCase() === currency.toUpperCase() && (chainId === undefined || option.chainId === chainId),
  );
  const offered = payment.options.map((option) => `${option.currency} on chain ${option.chainId}`).join(', ');
  if (matches.length === 0) throw new CliError(`Payment ${payment.id} has no ${currency}${chainId ? ` option on chain ${chainId}` : ' option'}; it offers ${offered}`);
  if (matches.length > 1) {
    throw new CliError(`${currency} is offered on chains ${matches.map((option) => option.chainId).join(', ')}: pass --chain-id`);
  }
  return matches[0]!;
}

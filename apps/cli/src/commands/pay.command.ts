import { createPublicClient, createWalletClient, defineChain, erc20Abi, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { toBaseUnits } from '@kassa/domain';

/** What the public checkout endpoint tells anyone about a payment (no secrets). */
interface PublicPayment {
  id: string;
  status: string;
  chainId: number;
  networkName: string;
  currency: string;
  token: { address: Address | null; decimals: number };
  depositAddress: Address;
  amount: string;
  amountBaseUnits: string;
  amountRemainingBaseUnits: string;
}

export interface PayOptions {
  apiUrl: string;
  rpcUrl: string;
  privateKey: Hex;
  /** Decimal amount in the payment's token; default: what is still missing. */
  amount?: string;
}

/** A clear, user-facing failure of a CLI command (printed without a stack, exit code 1). */
export class CliError extends Error {}

/**
 * The customer simulator: pays a payment from a funded local account, sending the
 * payment's token (ERC-20 `transfer`, or a plain native-coin transfer) to its deposit
 * address. Reads the payment from the public checkout endpoint, so it needs no API key.
 * @returns the transaction hash, once the transaction is mined
 * @throws CliError when the payment is unknown, final, or the transaction fails
 */
export async function payPayment(paymentId: string, options: PayOptions): Promise<{ txHash: Hex; amountBaseUnits: bigint; payment: PublicPayment }> {
  const response = await fetch(`${options.apiUrl.replace(/\/$/, '')}/pay/${encodeURIComponent(paymentId)}/status`).catch((error: Error) => {
    throw new CliError(`Cannot reach the Kassa API at ${options.apiUrl}: ${error.message}`);
  });
  if (response.status === 404) throw new CliError(`No payment with id '${paymentId}'`);
  if (!response.ok) throw new CliError(`The Kassa API answered ${response.status} for payment '${paymentId}'`);
  const payment = (await response.json()) as PublicPayment;
  if (['PAID', 'TIMEOUT', 'CANCELED'].includes(payment.status)) {
    throw new CliError(`Payment ${paymentId} is already ${payment.status}`);
  }
  const amountBaseUnits = options.amount
    ? toBaseUnits(options.amount, payment.token.decimals)
    : BigInt(payment.amountRemainingBaseUnits);
  if (amountBaseUnits <= 0n) throw new CliError(`Payment ${paymentId} has nothing left to pay`);

  const chain = defineChain({
    id: payment.chainId,
    name: payment.networkName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const account = privateKeyToAccount(options.privateKey);
  const wallet = createWalletClient({ account, chain, transport: http(options.rpcUrl) });
  const client = createPublicClient({ chain, transport: http(options.rpcUrl) });
  const remoteChainId = await client.getChainId().catch((error: Error) => {
    throw new CliError(`Cannot reach the RPC node at ${options.rpcUrl}: ${error.message}`);
  });
  if (remoteChainId !== payment.chainId) {
    throw new CliError(`The RPC node at ${options.rpcUrl} is chain ${remoteChainId}, the payment is on chain ${payment.chainId}`);
  }
  const txHash = payment.token.address
    ? await wallet.writeContract({ address: payment.token.address, abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress, amountBaseUnits] })
    : await wallet.sendTransaction({ to: payment.depositAddress, value: amountBaseUnits });
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== 'success') throw new CliError(`Transaction ${txHash} reverted`);
  return { txHash, amountBaseUnits, payment };
}

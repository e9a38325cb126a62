import { fromBaseUnits } from '../money/amounts';
import type { PaymentSettlementObject } from '../settlements/settlement';
import { confirmationsOf, type Payment, type Transfer } from './payment';

/** A transfer as merchants see it in the payment object (API and webhooks). */
export interface TransferObject {
  txHash: string;
  logIndex: number;
  blockNumber: string;
  from: string;
  /** Decimal string in the payment's token. */
  amount: string;
  amountBaseUnits: string;
  confirmations: number;
  status: Transfer['status'];
  /** Whether this transfer is of the payment's token (others are recorded but never count). */
  counted: boolean;
}

/**
 * The public payment object, identical in API responses and webhook payloads (DESIGN.md
 * "Merchant API"). Money is decimal strings (token units) and integer strings (base
 * units); timestamps are ISO 8601 UTC.
 */
export interface PaymentObject {
  id: string;
  object: 'payment';
  status: Payment['status'];
  exception: Payment['exception'];
  amount: string;
  amountBaseUnits: string;
  amountReceived: string;
  amountReceivedBaseUnits: string;
  currency: string;
  token: { address: string | null; decimals: number };
  chainId: number;
  depositAddress: string;
  paymentUri: string;
  checkoutUrl: string;
  requiredConfirmations: number;
  expiresAt: string;
  orderId: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  successUrl: string | null;
  cancelUrl: string | null;
  transfers: TransferObject[];
  createdAt: string;
  paidAt: string | null;
  finalizedAt: string | null;
  /**
   * Where the deposit address's funds stand (docs/settlement.md): null while the payment is
   * open or when it never received anything.
   */
  settlement: PaymentSettlementObject | null;
}

/** Links computed outside the domain (EIP-681 URI, public checkout URL). */
export interface PaymentLinks {
  paymentUri: string;
  checkoutUrl: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Builds the public payment object.
 * @param headBlockNumber the chain head confirmations are counted against (null: unknown, 0)
 * @param settlement the payment's settlement (see `paymentSettlementOf`), null when none applies
 */
export function toPaymentObject(
  payment: Payment,
  transfers: readonly Transfer[],
  headBlockNumber: bigint | null,
  links: PaymentLinks,
  settlement: PaymentSettlementObject | null = null,
): PaymentObject {
  const decimals = payment.token.decimals;
  const tokenAddress = payment.token.address?.toLowerCase() ?? null;
  return {
    id: payment.id,
    object: 'payment',
    status: payment.status,
    exception: payment.exception,
    amount: fromBaseUnits(payment.amount, decimals),
    amountBaseUnits: payment.amount.toString(),
    amountReceived: fromBaseUnits(payment.amountReceived, decimals),
    amountReceivedBaseUnits: payment.amountReceived.toString(),
    currency: payment.token.symbol,
    token: { address: payment.token.address, decimals },
    chainId: payment.chainId,
    depositAddress: payment.depositAddress,
    paymentUri: links.paymentUri,
    checkoutUrl: links.checkoutUrl,
    requiredConfirmations: payment.requiredConfirmations,
    expiresAt: payment.expiresAt.toISOString(),
    orderId: payment.orderId,
    description: payment.description,
    metadata: payment.metadata,
    successUrl: payment.successUrl,
    cancelUrl: payment.cancelUrl,
    transfers: transfers.map((transfer) => {
      const counted = (transfer.tokenAddress?.toLowerCase() ?? null) === tokenAddress;
      return {
        txHash: transfer.txHash,
        logIndex: transfer.logIndex,
        blockNumber: transfer.blockNumber.toString(),
        from: transfer.from,
        amount: counted ? fromBaseUnits(transfer.amount, decimals) : transfer.amount.toString(),
        amountBaseUnits: transfer.amount.toString(),
        confirmations: headBlockNumber === null ? 0 : confirmationsOf(transfer.blockNumber, headBlockNumber),
        status: transfer.status,
        counted,
      };
    }),
    createdAt: payment.createdAt.toISOString(),
    paidAt: iso(payment.paidAt),
    finalizedAt: iso(payment.finalizedAt),
    settlement,
  };
}

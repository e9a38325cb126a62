import type { ChainRegistry } from '@kassa/chain';
import { fromBaseUnits, type Payment } from '@kassa/domain';

/**
 * What the customer-facing routes (`/pay/:id`) reveal about a payment: what to pay, where
 * and until when, and its progress. Never metadata, URLs' secrets, merchant settings or
 * other payments.
 */
export interface PublicPayment {
  id: string;
  status: Payment['status'];
  exception: Payment['exception'];
  chainId: number;
  networkName: string;
  currency: string;
  token: { address: string | null; decimals: number };
  depositAddress: string;
  paymentUri: string;
  amount: string;
  amountBaseUnits: string;
  amountReceived: string;
  amountRemaining: string;
  amountRemainingBaseUnits: string;
  requiredConfirmations: number;
  orderId: string | null;
  description: string | null;
  expiresAt: string;
}

/** Projects a payment to its public fields. */
export function toPublicPayment(payment: Payment, paymentUri: string, chains: ChainRegistry): PublicPayment {
  const decimals = payment.token.decimals;
  const remaining = payment.amount > payment.amountReceived ? payment.amount - payment.amountReceived : 0n;
  return {
    id: payment.id,
    status: payment.status,
    exception: payment.exception,
    chainId: payment.chainId,
    networkName: chains.find(payment.chainId)?.name ?? `Chain ${payment.chainId}`,
    currency: payment.token.symbol,
    token: { address: payment.token.address, decimals },
    depositAddress: payment.depositAddress,
    paymentUri,
    amount: fromBaseUnits(payment.amount, decimals),
    amountBaseUnits: payment.amount.toString(),
    amountReceived: fromBaseUnits(payment.amountReceived, decimals),
    amountRemaining: fromBaseUnits(remaining, decimals),
    amountRemainingBaseUnits: remaining.toString(),
    requiredConfirmations: payment.requiredConfirmations,
    orderId: payment.orderId,
    description: payment.description,
    expiresAt: payment.expiresAt.toISOString(),
  };
}

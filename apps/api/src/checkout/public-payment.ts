import { explorerLink, paymentUri } from '@kassa/chain';
import { type Address, fromBaseUnits, isFinal, type PaymentObject, type PaymentOptionObject } from '@kassa/domain';

import { returnUrlOf } from './return-url';

/** A transaction that paid into the deposit address, as the customer's receipt shows it. */
export interface PublicTransaction {
  txHash: string;
  /** The transaction on the chain's block explorer, when one is configured. */
  url: string | null;
  /** Decimal string in the payment's token. */
  amount: string;
  amountBaseUnits: string;
  confirmations: number;
}

/**
 * One way to pay a payment (a coin on a network, with its amount), as the customer's coin
 * picker lists it. Before value arrives the customer may pay any of them; the payment's
 * top-level coin fields describe the `selected` one.
 */
export type PublicPaymentOption = Pick<
  PaymentOptionObject,
  'id' | 'chainId' | 'currency' | 'token' | 'amount' | 'amountBaseUnits' | 'depositAddress' | 'paymentUri' | 'amountReceived' | 'amountReceivedBaseUnits' | 'selected'
> & {
  /** The chain's name as configured. */
  networkName: string;
  /** The option's deposit address on its chain's block explorer, when one is configured. */
  depositAddressUrl: string | null;
};

/**
 * What the customer-facing routes (`/pay/:id`) reveal about a payment: what to pay, where
 * and until when, its progress, and where the customer goes back to once it is final.
 * Never metadata, merchant settings or secrets, webhook data or other payments.
 */
export interface PublicPayment {
  id: string;
  status: PaymentObject['status'];
  exception: PaymentObject['exception'];
  /** The merchant's display name. */
  merchantName: string;
  chainId: number;
  networkName: string;
  currency: string;
  token: { address: string | null; decimals: number };
  depositAddress: string;
  /** The deposit address on the chain's block explorer, when one is configured. */
  depositAddressUrl: string | null;
  /** EIP-681 URI that pays the whole amount. */
  paymentUri: string;
  /**
   * EIP-681 URI that pays what is still missing (what the QR code and the wallet link
   * hold): `paymentUri` until value arrives; null when nothing remains to be sent.
   */
  remainingPaymentUri: string | null;
  amount: string;
  amountBaseUnits: string;
  /** Value counted towards the payment: confirmed, in time (as in the merchant API). */
  amountReceived: string;
  amountReceivedBaseUnits: string;
  /** Value of the payment's token seen at the deposit address, confirmed or not. */
  amountSeen: string;
  amountSeenBaseUnits: string;
  /** What the customer still has to send: amount - amountSeen, at least 0. */
  amountRemaining: string;
  amountRemainingBaseUnits: string;
  requiredConfirmations: number;
  /** Confirmations of the latest transfer seen (null before any), not capped at the required number. */
  confirmations: number | null;
  /** Transfers of the payment's token seen at the deposit address (not orphaned), in chain order. */
  transactions: PublicTransaction[];
  orderId: string | null;
  description: string | null;
  expiresAt: string;
  paidAt: string | null;
  finalizedAt: string | null;
  /**
   * Once final, where the page sends the customer: `successUrl` on PAID, `cancelUrl` on
   * TIMEOUT or CANCELED, with `payment_id` and `order_id` added. Null while open, or when
   * the merchant gave no URL (the page then shows a receipt).
   */
  redirectUrl: string | null;
  /** The price the options were quoted from (e.g. 25.00 USD); null for a fixed-coin payment. */
  price: { amount: string; currency: string } | null;
  /** Every way to pay, in the merchant's order; a fixed-coin payment has one. */
  options: PublicPaymentOption[];
  /**
   * True once a transfer in one of the options was seen (not orphaned, confirmed or not):
   * from then on the payment stands on the option it arrived in and the customer can no
   * longer switch coins.
   */
  valueArrived: boolean;
}

/** The name of a chain as configured, by EIP-155 chain id. */
export type NetworkNames = (chainId: number) => string;

/**
 * Projects a merchant's payment object to its public fields, picking each field by name
 * so a field added to the payment object never leaks to customers by accident.
 * @param merchantName the merchant's display name
 * @param networkNameOf the name of each chain as configured
 * @param explorerOf the block explorer base URL of each chain as configured (`explorerUrl`), or null
 */
export function toPublicPayment(
  payment: PaymentObject,
  merchantName: string,
  networkNameOf: NetworkNames,
  explorerOf: (chainId: number) => string | null = () => null,
): PublicPayment {
  const linkOn = (chainId: number, kind: 'address' | 'tx', id: string) => explorerLink(explorerOf(chainId), kind, id);
  const decimals = payment.token.decimals;
  const seen = payment.transfers.filter((transfer) => transfer.counted && transfer.status === 'active');
  const amount = BigInt(payment.amountBaseUnits);
  const amountSeen = seen.reduce((sum, transfer) => sum + BigInt(transfer.amountBaseUnits), 0n);
  const remaining = payment.status === 'PAID' || amountSeen >= amount ? 0n : amount - amountSeen;
  return {
    id: payment.id,
    status: payment.status,
    exception: payment.exception,
    merchantName,
    chainId: payment.chainId,
    networkName: networkNameOf(payment.chainId),
    currency: payment.currency,
    token: { address: payment.token.address, decimals },
    depositAddress: payment.depositAddress,
    depositAddressUrl: linkOn(payment.chainId, 'address', payment.depositAddress),
    paymentUri: payment.paymentUri,
    remainingPaymentUri: remainingPaymentUri(payment, remaining),
    amount: payment.amount,
    amountBaseUnits: payment.amountBaseUnits,
    amountReceived: payment.amountReceived,
    amountReceivedBaseUnits: payment.amountReceivedBaseUnits,
    amountSeen: fromBaseUnits(amountSeen, decimals),
    amountSeenBaseUnits: amountSeen.toString(),
    amountRemaining: fromBaseUnits(remaining, decimals),
    amountRemainingBaseUnits: remaining.toString(),
    requiredConfirmations: payment.requiredConfirmations,
    confirmations: seen.length > 0 ? seen[seen.length - 1]!.confirmations : null,
    transactions: seen.map((transfer) => ({
      txHash: transfer.txHash,
      url: linkOn(payment.chainId, 'tx', transfer.txHash),
      amount: transfer.amount,
      amountBaseUnits: transfer.amountBaseUnits,
      confirmations: transfer.confirmations,
    })),
    orderId: payment.orderId,
    description: payment.description,
    expiresAt: payment.expiresAt,
    paidAt: payment.paidAt,
    finalizedAt: payment.finalizedAt,
    redirectUrl: isFinal(payment.status) ? returnUrlOf(payment) : null,
    price: payment.price ? { amount: payment.price.amount, currency: payment.price.currency } : null,
    options: payment.options.map((option) => ({
      id: option.id,
      chainId: option.chainId,
      networkName: networkNameOf(option.chainId),
      depositAddressUrl: linkOn(option.chainId, 'address', option.depositAddress),
      currency: option.currency,
      token: { address: option.token.address, decimals: option.token.decimals },
      amount: option.amount,
      amountBaseUnits: option.amountBaseUnits,
      depositAddress: option.depositAddress,
      paymentUri: option.paymentUri,
      amountReceived: option.amountReceived,
      amountReceivedBaseUnits: option.amountReceivedBaseUnits,
      selected: option.selected,
    })),
    valueArrived: payment.transfers.some((transfer) => transfer.status === 'active' && transfer.optionId !== null),
  };
}

/** True while the customer may still pick the coin: several options, the payment open, no value arrived yet. */
export function canChooseOption(payment: PublicPayment): boolean {
  return payment.options.length > 1 && !payment.valueArrived && !isFinal(payment.status);
}

/**
 * The payment as it reads when the customer pays with `option` instead of the selected
 * one (only before value arrives, so nothing was seen and the whole amount remains): the
 * top-level coin fields become the option's, everything else stays. The selected option
 * (or any option once value arrived) gives the payment unchanged.
 */
export function payingWith(payment: PublicPayment, option: PublicPaymentOption): PublicPayment {
  if (option.selected || !canChooseOption(payment)) return payment;
  return {
    ...payment,
    chainId: option.chainId,
    networkName: option.networkName,
    currency: option.currency,
    token: option.token,
    depositAddress: option.depositAddress,
    depositAddressUrl: option.depositAddressUrl,
    paymentUri: option.paymentUri,
    remainingPaymentUri: option.paymentUri,
    amount: option.amount,
    amountBaseUnits: option.amountBaseUnits,
    amountRemaining: option.amount,
    amountRemainingBaseUnits: option.amountBaseUnits,
  };
}

function remainingPaymentUri(payment: PaymentObject, remaining: bigint): string | null {
  if (remaining <= 0n || isFinal(payment.status)) return null;
  if (remaining === BigInt(payment.amountBaseUnits)) return payment.paymentUri;
  return paymentUri({
    chainId: payment.chainId,
    depositAddress: payment.depositAddress as Address,
    amount: remaining,
    token: payment.token.address as Address | null,
  });
}

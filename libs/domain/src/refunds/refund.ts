import { fromBaseUnits } from '../money/amounts';
import { RefundExceedsReceivedError, RefundNotAllowedError } from '../errors';
import { type ChainHeads, sumTransfers } from '../payments/lifecycle';
import { type Address, type Hex, type MerchantId, type Payment, selectedOptionOf, type TokenRef, type Transfer } from '../payments/payment';

/**
 * Where a refund stands (docs/refunds.md):
 * - `awaiting_address`: no customer address yet; the customer gives it on the claim page;
 * - `pending`: the address is known; the payout wallet will send it, or the merchant's
 *   wallet (approval page) is awaited;
 * - `sent`: its transaction is signed and stored (payout wallet) or seen in a block (merchant wallet);
 * - `confirmed`: that transaction has the chain's confirmations;
 * - `failed`: it cannot be sent (reverted, refused); the amount is free to refund again;
 * - `canceled`: the merchant cancelled it before it was sent.
 */
export const REFUND_STATUSES = ['awaiting_address', 'pending', 'sent', 'confirmed', 'failed', 'canceled'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Statuses whose amount no longer counts against what a payment can refund. */
export const RELEASED_REFUND_STATUSES: readonly RefundStatus[] = ['failed', 'canceled'];

/** Statuses from which the merchant may still cancel: nothing has been signed or sent. */
export const CANCELABLE_REFUND_STATUSES: readonly RefundStatus[] = ['awaiting_address', 'pending'];

/**
 * How a refund is paid: `payout_wallet`, by the worker from the configured payout hot
 * wallet; `merchant_wallet`, by the merchant in a browser wallet from the approval page.
 */
export const REFUND_METHODS = ['payout_wallet', 'merchant_wallet'] as const;
export type RefundMethod = (typeof REFUND_METHODS)[number];

/** Who named the address: the merchant (API), the customer (claim page), or the payment's sender on the merchant's explicit request. */
export type RefundAddressSource = 'merchant' | 'customer' | 'sender';

/** A refund as the domain sees it. Amounts in base units of the payment's coin on its chain. */
export interface Refund {
  /** `ref_<ULID>`. */
  id: string;
  merchantId: MerchantId;
  paymentId: string;
  /** The payment's chain: a refund can only go out on the network the money came in on. */
  chainId: number;
  token: TokenRef;
  amount: bigint;
  reason: string | null;
  method: RefundMethod;
  status: RefundStatus;
  address: Address | null;
  addressSource: RefundAddressSource | null;
  /** The payout that sends it (method `payout_wallet`, once the address is known). */
  payoutId: string | null;
  /** The transaction that pays it, once sent. */
  txHash: Hex | null;
  blockNumber: bigint | null;
  /** First block in which a merchant-wallet transfer counts (the head when the refund became pending). */
  watchFromBlock: bigint | null;
  failureReason: string | null;
  /** When the approval link stops working (method `merchant_wallet`). */
  approvalExpiresAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
  confirmedAt: Date | null;
  canceledAt: Date | null;
}

/** What a payment received in the coin it was paid in, and how much of it the merchant keeps. */
export interface PaymentRefundable {
  /** Confirmed value in the payment's selected option (in time or late), base units. */
  received: bigint;
  /** What the merchant keeps: the amount due for a PAID payment, nothing otherwise. */
  kept: bigint;
  /** `received - kept`, never negative: what the customer sent beyond the sale. */
  excess: bigint;
  /** Refunds that still hold an amount (all but failed and canceled), base units. */
  refunded: bigint;
  /** `received - refunded`: the most a new refund may be. */
  remaining: bigint;
}

/**
 * What a payment can refund (DESIGN.md "Money going out"): the confirmed value received in
 * the coin of its selected option, less the refunds that hold an amount. Value in other
 * options (another coin or chain) is not refundable through this payment's coin.
 * @param heads the watcher's cursors, against which confirmations count
 */
export function paymentRefundable(
  payment: Pick<Payment, 'status' | 'amount' | 'expiresAt' | 'chainId' | 'token' | 'amountMinimum' | 'requiredConfirmations' | 'options'>,
  transfers: readonly Pick<Transfer, 'amount' | 'blockNumber' | 'blockTimestamp' | 'status' | 'tokenAddress' | 'chainId'>[],
  heads: ChainHeads,
  refunds: readonly Pick<Refund, 'amount' | 'status'>[],
): PaymentRefundable {
  const option = selectedOptionOf(payment);
  const received = sumTransfers({ ...option, expiresAt: payment.expiresAt }, transfers, heads).confirmed;
  const kept = payment.status === 'PAID' ? (payment.amount < received ? payment.amount : received) : 0n;
  const refunded = refunds.filter((refund) => !RELEASED_REFUND_STATUSES.includes(refund.status)).reduce((sum, refund) => sum + refund.amount, 0n);
  const remaining = received > refunded ? received - refunded : 0n;
  return { received, kept, excess: received - kept, refunded, remaining };
}

/**
 * The amount a refund takes when the merchant names none: the excess of an OVERPAID or
 * PAID_LATE payment, else everything received; capped at what is left to refund.
 */
export function defaultRefundAmount(payment: Pick<Payment, 'exception'>, refundable: PaymentRefundable): bigint {
  const wanted = payment.exception === 'OVERPAID' || payment.exception === 'PAID_LATE' ? refundable.excess : refundable.received;
  return wanted < refundable.remaining ? wanted : refundable.remaining;
}

/**
 * Checks that a refund of `amount` may be created for the payment: it received value (PAID;
 * TIMEOUT or CANCELED with value), and `amount` fits in what is left.
 * @throws RefundNotAllowedError (409) for an open payment or one that received nothing
 * @throws RefundExceedsReceivedError (409) naming what is left, when `amount` is more
 */
export function assertRefundAllowed(
  payment: Pick<Payment, 'id' | 'status' | 'token'>,
  refundable: PaymentRefundable,
  amount: bigint,
): void {
  if (payment.status === 'CREATED' || payment.status === 'PENDING') {
    throw new RefundNotAllowedError(payment.id, `it is ${payment.status}; refunds are for payments that reached a final state`);
  }
  if (refundable.received === 0n) throw new RefundNotAllowedError(payment.id, `it received no confirmed ${payment.token.symbol}`);
  if (amount > refundable.remaining) {
    throw new RefundExceedsReceivedError(payment.id, fromBaseUnits(amount, payment.token.decimals), fromBaseUnits(refundable.remaining, payment.token.decimals), payment.token.symbol);
  }
}

/** A refund as merchants see it (API, webhooks `refund.*`, the payment's `refunds[]`). */
export interface RefundObject {
  id: string;
  object: 'refund';
  paymentId: string;
  status: RefundStatus;
  method: RefundMethod;
  /** Decimal string in the payment's coin. */
  amount: string;
  amountBaseUnits: string;
  currency: string;
  token: { address: string | null; decimals: number };
  chainId: number;
  reason: string | null;
  address: string | null;
  addressSource: RefundAddressSource | null;
  /** The hosted page where the customer gives the address; null once it is known. */
  claimUrl: string | null;
  /** The hosted page that pays it from the merchant's wallet (method merchant_wallet, until sent or expired). */
  approvalUrl: string | null;
  approvalExpiresAt: string | null;
  payoutId: string | null;
  txHash: string | null;
  blockNumber: string | null;
  failureReason: string | null;
  createdAt: string;
  sentAt: string | null;
  confirmedAt: string | null;
  canceledAt: string | null;
}

/** Links only the api knows (they carry one-time secrets, shown when the refund is created and on reads). */
export interface RefundLinks {
  claimUrl: string | null;
  approvalUrl: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** Builds the public refund object. */
export function toRefundObject(refund: Refund, links: RefundLinks): RefundObject {
  return {
    id: refund.id,
    object: 'refund',
    paymentId: refund.paymentId,
    status: refund.status,
    method: refund.method,
    amount: fromBaseUnits(refund.amount, refund.token.decimals),
    amountBaseUnits: refund.amount.toString(),
    currency: refund.token.symbol,
    token: { address: refund.token.address, decimals: refund.token.decimals },
    chainId: refund.chainId,
    reason: refund.reason,
    address: refund.address,
    addressSource: refund.addressSource,
    claimUrl: refund.status === 'awaiting_address' ? links.claimUrl : null,
    approvalUrl: refund.method === 'merchant_wallet' && CANCELABLE_REFUND_STATUSES.includes(refund.status) ? links.approvalUrl : null,
    approvalExpiresAt: refund.method === 'merchant_wallet' ? iso(refund.approvalExpiresAt) : null,
    payoutId: refund.payoutId,
    txHash: refund.txHash,
    blockNumber: refund.blockNumber?.toString() ?? null,
    failureReason: refund.failureReason,
    createdAt: refund.createdAt.toISOString(),
    sentAt: iso(refund.sentAt),
    confirmedAt: iso(refund.confirmedAt),
    canceledAt: iso(refund.canceledAt),
  };
}

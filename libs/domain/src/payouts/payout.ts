import { fromBaseUnits } from '../money/amounts';
import { PayoutLimitExceededError } from '../errors';
import type { Address, Hex, MerchantId, TokenRef } from '../payments/payment';

/**
 * Where a payout from the payout wallet stands (docs/refunds.md "Payouts"):
 * - `pending`: waiting for the worker (also while the wallet lacks the funds or the gas);
 * - `sent`: its transaction is signed and stored (write-ahead) and handed to the node;
 * - `confirmed`: mined with the chain's confirmations;
 * - `failed`: it would revert or reverted; never sent again;
 * - `canceled`: cancelled before the worker signed it.
 */
export const PAYOUT_STATUSES = ['pending', 'sent', 'confirmed', 'failed', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Statuses whose amount counts against the payout wallet's daily limit. */
export const LIMITED_PAYOUT_STATUSES: readonly PayoutStatus[] = ['pending', 'sent', 'confirmed'];

/** A transfer from the payout wallet: to `address`, `amount` base units of `token` on `chainId`. */
export interface Payout {
  /** `po_<ULID>`. */
  id: string;
  merchantId: MerchantId;
  chainId: number;
  token: TokenRef;
  amount: bigint;
  address: Address;
  status: PayoutStatus;
  /** The refund it pays, when it pays one (then its events are `refund.*`). */
  refundId: string | null;
  /** The batch it was created in (`POST /v1/payouts/batch`). */
  batchId: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  /** The settlement-style transaction record that carries it (`stx_...`). */
  transactionId: string | null;
  txHash: Hex | null;
  blockNumber: bigint | null;
  failureReason: string | null;
  /** Why the last try to send it waited (e.g. the wallet holds too little); cleared when sent. */
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  confirmedAt: Date | null;
  canceledAt: Date | null;
}

/** The payout wallet's limits for one coin, base units: per payout, and per rolling 24 hours. */
export interface PayoutLimit {
  perPayout: bigint;
  perDay: bigint;
}

/**
 * Checks a new payout (or refund paid from the payout wallet) of `amount` against the
 * coin's limits, given what the wallet has paid or holds for payment in the last 24 hours.
 * A coin without limits is never paid from the payout wallet.
 * @throws PayoutLimitExceededError (422) naming the limit and what is left of it today
 */
export function assertWithinPayoutLimit(token: TokenRef, amount: bigint, limit: PayoutLimit | undefined, usedToday: bigint): void {
  const show = (value: bigint) => `${fromBaseUnits(value, token.decimals)} ${token.symbol}`;
  if (!limit) throw new PayoutLimitExceededError(`The payout wallet has no limits for ${token.symbol} (KASSA_PAYOUT_LIMITS), so it pays out no ${token.symbol}`);
  if (amount > limit.perPayout) {
    throw new PayoutLimitExceededError(`${show(amount)} is more than the payout wallet's limit per payout, ${show(limit.perPayout)}`);
  }
  const left = limit.perDay > usedToday ? limit.perDay - usedToday : 0n;
  if (amount > left) {
    throw new PayoutLimitExceededError(`${show(amount)} is more than what is left of the payout wallet's daily limit of ${show(limit.perDay)}: ${show(left)}`);
  }
}

/** A payout as merchants see it (API and `payout.*` events). */
export interface PayoutObject {
  id: string;
  object: 'payout';
  status: PayoutStatus;
  chainId: number;
  /** Decimal string in the coin. */
  amount: string;
  amountBaseUnits: string;
  currency: string;
  token: { address: string | null; decimals: number };
  address: string;
  refundId: string | null;
  batchId: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  txHash: string | null;
  blockNumber: string | null;
  failureReason: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  confirmedAt: string | null;
  canceledAt: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** Builds the public payout object. */
export function toPayoutObject(payout: Payout): PayoutObject {
  return {
    id: payout.id,
    object: 'payout',
    status: payout.status,
    chainId: payout.chainId,
    amount: fromBaseUnits(payout.amount, payout.token.decimals),
    amountBaseUnits: payout.amount.toString(),
    currency: payout.token.symbol,
    token: { address: payout.token.address, decimals: payout.token.decimals },
    address: payout.address,
    refundId: payout.refundId,
    batchId: payout.batchId,
    description: payout.description,
    metadata: payout.metadata,
    txHash: payout.txHash,
    blockNumber: payout.blockNumber?.toString() ?? null,
    failureReason: payout.failureReason,
    lastError: payout.lastError,
    createdAt: payout.createdAt.toISOString(),
    sentAt: iso(payout.sentAt),
    confirmedAt: iso(payout.confirmedAt),
    canceledAt: iso(payout.canceledAt),
  };
}

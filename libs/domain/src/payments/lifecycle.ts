import { InvalidStateTransitionError } from '../errors';
import {
  confirmationsOf,
  isFinal,
  type Payment,
  type PaymentException,
  type PaymentStatus,
  type Transfer,
} from './payment';

/** The part of a payment that decides its state. */
export type PaymentTerms = Pick<
  Payment,
  'status' | 'exception' | 'amount' | 'amountMinimum' | 'requiredConfirmations' | 'expiresAt' | 'token'
>;

/** The part of a transfer that counts towards a payment. */
export type CountedTransfer = Pick<Transfer, 'amount' | 'blockNumber' | 'blockTimestamp' | 'status' | 'tokenAddress'>;

/** Sums of a payment's transfers, in base units. */
export interface TransferSums {
  /** Every active transfer of the payment's token, confirmed or not, in time or not. */
  seen: bigint;
  /** Active, in-time transfers with at least `requiredConfirmations` confirmations. */
  confirmedInTime: bigint;
  /** Active transfers in a block at or before `expiresAt`, confirmed or not. */
  inTime: bigint;
  /** Active transfers with enough confirmations, in time or not. */
  confirmed: bigint;
}

/** The outcome of evaluating a payment: its next status and exception, and the sums. */
export interface PaymentEvaluation {
  status: PaymentStatus;
  exception: PaymentException | null;
  sums: TransferSums;
}

function sameToken(payment: PaymentTerms, transfer: CountedTransfer): boolean {
  const expected = payment.token.address?.toLowerCase() ?? null;
  return (transfer.tokenAddress?.toLowerCase() ?? null) === expected;
}

/**
 * Sums a payment's transfers. Only active transfers of the payment's own token count;
 * orphaned transfers and other tokens are recorded elsewhere but never count.
 *
 * @param headBlockNumber the chain head the confirmations are counted against
 */
export function sumTransfers(
  payment: PaymentTerms,
  transfers: readonly CountedTransfer[],
  headBlockNumber: bigint,
): TransferSums {
  const sums: TransferSums = { seen: 0n, confirmedInTime: 0n, inTime: 0n, confirmed: 0n };
  for (const transfer of transfers) {
    if (transfer.status !== 'active' || !sameToken(payment, transfer)) continue;
    const confirmed = confirmationsOf(transfer.blockNumber, headBlockNumber) >= payment.requiredConfirmations;
    const inTime = transfer.blockTimestamp.getTime() <= payment.expiresAt.getTime();
    sums.seen += transfer.amount;
    if (inTime) sums.inTime += transfer.amount;
    if (confirmed) sums.confirmed += transfer.amount;
    if (confirmed && inTime) sums.confirmedInTime += transfer.amount;
  }
  return sums;
}

/**
 * Evaluates a payment after its transfers or the chain head changed (DESIGN.md "Payment
 * lifecycle"):
 * - PAID when the confirmed, in-time sum reaches `amountMinimum` (amount less the
 *   merchant's tolerance); exception OVERPAID when the confirmed sum exceeds the amount.
 * - PENDING while value is seen but does not (yet) pay; CREATED when nothing counts, which
 *   is where a PENDING payment returns when a reorg orphans its only transfer.
 * - A final payment keeps its status; value that no longer counts on a PAID payment
 *   (a reorg deeper than the confirmations) sets exception REORGED.
 * The deadline is not decided here: see {@link decideExpiry}.
 */
export function evaluatePayment(
  payment: PaymentTerms,
  transfers: readonly CountedTransfer[],
  headBlockNumber: bigint,
): PaymentEvaluation {
  const sums = sumTransfers(payment, transfers, headBlockNumber);
  if (isFinal(payment.status)) {
    // A counted transfer that re-appears in the new branch still counts; only lost value is REORGED.
    const reorged = payment.status === 'PAID' && sums.inTime < payment.amountMinimum;
    return { status: payment.status, exception: reorged ? 'REORGED' : payment.exception, sums };
  }
  if (sums.confirmedInTime >= payment.amountMinimum) {
    return { status: 'PAID', exception: sums.confirmed > payment.amount ? 'OVERPAID' : null, sums };
  }
  return { status: sums.seen > 0n ? 'PENDING' : 'CREATED', exception: null, sums };
}

/** What the scheduler does with a payment whose deadline may have passed. */
export type ExpiryDecision = 'keep' | 'wait_for_confirmations' | 'timeout';

/**
 * Decides whether an open payment times out at `now` (DESIGN.md "Payment lifecycle"): a
 * payment whose full amount arrived in a block at or before `expiresAt` is paid in time
 * and waits for its confirmations, but at the latest `confirmationGraceMs` after the
 * deadline; any other open payment past its deadline times out.
 */
export function decideExpiry(
  payment: PaymentTerms,
  sums: TransferSums,
  now: Date,
  confirmationGraceMs: number,
): ExpiryDecision {
  if (isFinal(payment.status) || now.getTime() <= payment.expiresAt.getTime()) return 'keep';
  const paidInTime = sums.inTime >= payment.amountMinimum;
  if (paidInTime && now.getTime() <= payment.expiresAt.getTime() + confirmationGraceMs) return 'wait_for_confirmations';
  return 'timeout';
}

/** The exception a payment gets when it times out: UNDERPAID when some value was received. */
export function timeoutException(sums: TransferSums): PaymentException | null {
  return sums.seen > 0n ? 'UNDERPAID' : null;
}

/**
 * Checks that a merchant may cancel a payment: only CREATED payments (no value seen yet).
 * @throws InvalidStateTransitionError for any other status
 */
export function assertCancelable(status: PaymentStatus): void {
  if (status !== 'CREATED') throw new InvalidStateTransitionError(status, 'CANCELED');
}

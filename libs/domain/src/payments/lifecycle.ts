import { InvalidStateTransitionError } from '../errors';
import {
  confirmationsOf,
  isFinal,
  type Payment,
  type PaymentOption,
  paymentOptionsOf,
  type PaymentOptionSource,
  sameOption,
  type PaymentException,
  type PaymentStatus,
  type Transfer,
} from './payment';

/** The part of a payment that decides its state. */
export type PaymentTerms = Pick<Payment, 'status' | 'exception' | 'expiresAt'> & PaymentOptionSource;

/** The part of an option that decides what counts towards it. */
export type OptionTerms = Pick<PaymentOption, 'chainId' | 'token' | 'requiredConfirmations'>;

/**
 * The part of a transfer that counts towards a payment. `chainId` absent: the transfer is on
 * the chain of whichever option it is compared with (single-chain callers).
 */
export type CountedTransfer = Pick<Transfer, 'amount' | 'blockNumber' | 'blockTimestamp' | 'status' | 'tokenAddress'> & {
  chainId?: number;
};

/** Chain heads confirmations are counted against: one head (every chain), or one per chain id (0 when missing). */
export type ChainHeads = bigint | ReadonlyMap<number, bigint>;

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

/** The outcome of evaluating a payment: its next status and exception, the option it stands on, and that option's sums. */
export interface PaymentEvaluation {
  status: PaymentStatus;
  exception: PaymentException | null;
  /** Sums of {@link option}. */
  sums: TransferSums;
  /**
   * The option the payment stands on: the one that paid; else one paid in full in time
   * (waiting for confirmations); else the first that received value; else the current one.
   * A final payment keeps its option.
   */
  option: PaymentOption;
}

function counts(option: OptionTerms, transfer: CountedTransfer): boolean {
  if (transfer.chainId !== undefined && option.chainId !== transfer.chainId) return false;
  const expected = option.token.address?.toLowerCase() ?? null;
  return (transfer.tokenAddress?.toLowerCase() ?? null) === expected;
}

function headOf(heads: ChainHeads, chainId: number): bigint {
  return typeof heads === 'bigint' ? heads : (heads.get(chainId) ?? 0n);
}

/**
 * Sums the transfers that count towards one option (or a single-option payment): active
 * transfers of its token on its chain; orphaned transfers and other coins are recorded
 * elsewhere but never count here.
 *
 * @param heads the chain head(s) the confirmations are counted against
 */
export function sumTransfers(
  option: OptionTerms & Pick<Payment, 'expiresAt'>,
  transfers: readonly CountedTransfer[],
  heads: ChainHeads,
): TransferSums {
  const head = headOf(heads, option.chainId);
  const sums: TransferSums = { seen: 0n, confirmedInTime: 0n, inTime: 0n, confirmed: 0n };
  for (const transfer of transfers) {
    if (transfer.status !== 'active' || !counts(option, transfer)) continue;
    const confirmed = confirmationsOf(transfer.blockNumber, head) >= option.requiredConfirmations;
    const inTime = transfer.blockTimestamp.getTime() <= option.expiresAt.getTime();
    sums.seen += transfer.amount;
    if (inTime) sums.inTime += transfer.amount;
    if (confirmed) sums.confirmed += transfer.amount;
    if (confirmed && inTime) sums.confirmedInTime += transfer.amount;
  }
  return sums;
}

/**
 * Evaluates a payment after its transfers or a chain head changed (DESIGN.md "Payment
 * lifecycle" and "Price and the customer's choice of coin"), option by option (a
 * transfer counts towards the option of the chain and coin it arrived in):
 * - PAID when one option's confirmed, in-time sum reaches its `amountMinimum` (amount less
 *   the merchant's tolerance); exception OVERPAID when that option's confirmed sum exceeds
 *   its amount, or when another option received value too (the options' sums tell the
 *   merchant how much, where).
 * - PENDING while value is seen but does not (yet) pay; CREATED when nothing counts, which
 *   is where a PENDING payment returns when a reorg orphans its only transfer.
 * - A final payment keeps its status and option; value that no longer counts on a PAID
 *   payment (a reorg deeper than the confirmations) sets exception REORGED.
 * The deadline is not decided here: see {@link decideExpiry}.
 */
export function evaluatePayment(payment: PaymentTerms, transfers: readonly CountedTransfer[], heads: ChainHeads): PaymentEvaluation {
  const options = optionsOf(payment);
  const current = options[0]!;
  const sumsOf = (option: PaymentOption): TransferSums => sumTransfers({ ...option, expiresAt: payment.expiresAt }, transfers, heads);
  if (isFinal(payment.status)) {
    const sums = sumsOf(current);
    // A counted transfer that re-appears in the new branch still counts; only lost value is REORGED.
    const reorged = payment.status === 'PAID' && sums.inTime < current.amountMinimum;
    return { status: payment.status, exception: reorged ? 'REORGED' : payment.exception, sums, option: current };
  }
  const evaluated = options.map((option) => ({ option, sums: sumsOf(option) }));
  const paid = evaluated.find(({ option, sums }) => sums.confirmedInTime >= option.amountMinimum);
  if (paid) {
    const otherValue = evaluated.some(({ option, sums }) => option !== paid.option && sums.seen > 0n);
    const overpaid = paid.sums.confirmed > paid.option.amount || otherValue;
    return { status: 'PAID', exception: overpaid ? 'OVERPAID' : null, sums: paid.sums, option: paid.option };
  }
  const standing =
    evaluated.find(({ option, sums }) => sums.inTime >= option.amountMinimum) ??
    evaluated.find(({ sums }) => sums.seen > 0n) ??
    evaluated[0]!;
  return { status: standing.sums.seen > 0n ? 'PENDING' : 'CREATED', exception: null, sums: standing.sums, option: standing.option };
}

/**
 * The option an evaluation moves a payment onto (value arrived in another option than the
 * one its coin fields describe), or null when it stays on its own.
 */
export function movedToOption(payment: Pick<Payment, 'chainId' | 'token'>, evaluation: Pick<PaymentEvaluation, 'option'>): string | null {
  return sameOption(evaluation.option, payment) ? null : evaluation.option.id;
}

/** The payment's options, the one its coin fields describe first. */
function optionsOf(payment: PaymentTerms): PaymentOption[] {
  const options = paymentOptionsOf(payment);
  const current = options.find((option) => sameOption(option, payment))!;
  return [current, ...options.filter((option) => option !== current)];
}

/** What the scheduler does with a payment whose deadline may have passed. */
export type ExpiryDecision = 'keep' | 'wait_for_confirmations' | 'timeout';

/**
 * Decides whether an open payment times out at `now` (DESIGN.md "Payment lifecycle"), from
 * its evaluation ({@link evaluatePayment}, the one rule that makes a payment PAID): a
 * payment the evaluation finds PAID waits for the watcher, which marks it so; one whose
 * full amount (its option's minimum) arrived in a block at or before `expiresAt` is paid in
 * time and waits for its confirmations, but at the latest `confirmationGraceMs` after the
 * deadline; any other open payment past its deadline times out.
 */
export function decideExpiry(
  payment: Pick<PaymentTerms, 'status' | 'expiresAt'>,
  evaluation: Pick<PaymentEvaluation, 'status' | 'sums' | 'option'>,
  now: Date,
  confirmationGraceMs: number,
): ExpiryDecision {
  if (isFinal(payment.status) || now.getTime() <= payment.expiresAt.getTime()) return 'keep';
  if (evaluation.status === 'PAID') return 'wait_for_confirmations';
  const paidInTime = evaluation.sums.inTime >= evaluation.option.amountMinimum;
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

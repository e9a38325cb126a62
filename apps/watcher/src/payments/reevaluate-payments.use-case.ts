import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  evaluatePayment,
  eventForTransition,
  isFinal,
  type Payment,
  type PaymentException,
  type Transfer,
} from '@kassa/domain';
import { PaymentsRepository, TransfersRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { pendingPaymentIds } from './pending-payments.query';

/** What changed on a chain in one stored step, and so which payments to look at again. */
export interface ChainStep {
  chainId: number;
  /** The head confirmations are counted against: the last stored block (the new cursor). */
  head: bigint;
  /**
   * The cursor before this step (after a reorg: the common ancestor); transfers that may
   * have crossed their confirmation threshold since are in later blocks. Null on the
   * first step of a chain.
   */
  previousHead: bigint | null;
  /** The chain's configured confirmations (payments normally require exactly these). */
  confirmations: number;
  /** Payments with transfers recorded, reactivated or orphaned in this step. */
  touchedPaymentIds: Iterable<string>;
  /** Payments that received a transfer never stored before (late-transfer detection). */
  newTransferPaymentIds: ReadonlySet<string>;
  /** The time written as `paidAt` / `finalizedAt` by this step. */
  now: Date;
}

/** Guarded updates lost to a concurrent change (api cancel, scheduler timeout) before giving up on a payment. */
const MAX_ATTEMPTS = 3;

/**
 * Re-evaluates payments after transfers or the chain head changed, and announces the
 * changes, inside the caller's transaction (DESIGN.md "Payment lifecycle"):
 * - which payments: the ones this step touched, the chain's PENDING ones, and those with
 *   transfers young enough that their confirmations may have just reached the threshold;
 *   never all payments;
 * - the state comes from `evaluatePayment` (domain): CREATED -> PENDING announces
 *   `payment.pending`, -> PAID announces `payment.paid`, PENDING -> CREATED (a reorg)
 *   announces nothing, a PAID payment that lost counted value gets exception REORGED;
 * - a transfer never seen before to a final payment is a late transfer: exception
 *   PAID_LATE (REORGED, which means money is missing, is kept) and `payment.late_transfer`;
 *   the status stays final;
 * - every write is a guarded update (applies only if the status is still the one read);
 *   when another process changed the payment meanwhile it is read again and re-evaluated.
 */
@Injectable()
export class ReevaluatePayments {
  private readonly logger = new Logger(ReevaluatePayments.name);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly transfers: TransfersRepository,
    private readonly events: PaymentEventsService,
  ) {}

  /** Re-evaluates the payments a step may have changed; returns how many changed. */
  async afterStep(manager: EntityManager, step: ChainStep): Promise<number> {
    const ids = new Set(step.touchedPaymentIds);
    const [young, pending] = await Promise.all([
      this.transfers.paymentIdsWithTransfersFromBlock(step.chainId, this.youngFrom(step), manager),
      pendingPaymentIds(manager, step.chainId),
    ]);
    for (const id of young) ids.add(id);
    for (const id of pending) ids.add(id);
    if (ids.size === 0) return 0;

    const sorted = [...ids].sort();
    const [payments, transfers] = await Promise.all([
      this.payments.findManyByIdsUnscoped(sorted, manager),
      this.transfers.listByPayments(sorted, manager),
    ]);
    payments.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let changed = 0;
    for (const payment of payments) {
      const late = step.newTransferPaymentIds.has(payment.id);
      if (await this.evaluate(manager, payment, transfers.get(payment.id) ?? [], late, step)) changed++;
    }
    return changed;
  }

  /**
   * First block whose transfers may have reached `confirmations` since the previous head:
   * a transfer in block b has head - b + 1 confirmations, so it crossed the threshold in
   * this step when b > previousHead - confirmations + 1.
   */
  private youngFrom(step: ChainStep): bigint {
    const from = (step.previousHead ?? step.head) - BigInt(step.confirmations) + 2n;
    return from > 0n ? from : 0n;
  }

  private async evaluate(
    manager: EntityManager,
    read: Payment,
    transfers: readonly Transfer[],
    lateTransfer: boolean,
    step: ChainStep,
  ): Promise<boolean> {
    let payment: Payment | null = read;
    for (let attempt = 1; payment && attempt <= MAX_ATTEMPTS; attempt++) {
      const next = nextState(payment, transfers, lateTransfer && isFinal(payment.status), step);
      if (!next) return false;
      const { lateTransfer: announceLate, ...state } = next;
      const applied = await this.payments.updateState({ id: payment.id, expectedStatus: payment.status, ...state }, manager);
      if (applied) {
        const transition = eventForTransition(payment.status, next.status);
        if (transition) await this.events.record(manager, transition, payment.id, step.now);
        if (announceLate) await this.events.record(manager, 'payment.late_transfer', payment.id, step.now);
        if (next.exception === 'REORGED' && payment.exception !== 'REORGED') {
          this.logger.error(`Payment ${payment.id} on chain ${step.chainId} lost counted value in a reorg deeper than its confirmations`);
        }
        return true;
      }
      // Another process moved the payment on (cancel, timeout): evaluate what it is now.
      payment = await this.payments.findByIdUnscoped(payment.id, manager);
    }
    if (payment) this.logger.warn(`Payment ${payment.id} kept changing under the watcher; it is evaluated again on the next block`);
    return false;
  }
}

/** A payment's next stored state, or null when nothing changes. */
interface NextState {
  status: Payment['status'];
  exception: PaymentException | null;
  amountReceived: bigint;
  paidAt: Date | null;
  finalizedAt: Date | null;
  lateTransfer: boolean;
}

function nextState(payment: Payment, transfers: readonly Transfer[], lateTransfer: boolean, step: ChainStep): NextState | null {
  const evaluation = evaluatePayment(payment, transfers, step.head);
  const exception = lateTransfer && evaluation.exception !== 'REORGED' ? 'PAID_LATE' : evaluation.exception;
  const amountReceived = evaluation.sums.confirmed;
  const unchanged =
    evaluation.status === payment.status && exception === payment.exception && amountReceived === payment.amountReceived;
  if (unchanged && !lateTransfer) return null;
  const becomesPaid = evaluation.status === 'PAID' && payment.status !== 'PAID';
  const becomesFinal = isFinal(evaluation.status) && !isFinal(payment.status);
  return {
    status: evaluation.status,
    exception,
    amountReceived,
    paidAt: becomesPaid ? step.now : payment.paidAt,
    finalizedAt: becomesFinal ? step.now : payment.finalizedAt,
    lateTransfer,
  };
}

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  type ChainHeads,
  coinOf,
  evaluatePayment,
  eventForTransition,
  isFinal,
  type EventType,
  type MerchantId,
  type Payment,
  type PaymentObject,
  type PaymentException,
  type SettlementPolicy,
  movedToOption,
  paymentChainIds,
  sameOption,
  type Transfer,
} from '@kassa/domain';
import { ChainCursorsRepository, inSendOrder, PaymentObjectsService, PaymentsRepository, SettlementPoliciesRepository, TransfersRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

/** Settlement policies by merchant, as `SettlementPoliciesRepository.getMany` reads them. */
export type SettlementPolicies = ReadonlyMap<MerchantId, SettlementPolicy>;

/** A stored step of a chain, as the re-evaluation of its payments needs it. */
export interface ChainStep {
  chainId: number;
  /** The head confirmations are counted against: the last stored block (the new cursor). */
  head: bigint;
  /** Transfers stored for the first time by this step, by payment (late-transfer detection). */
  newTransfers: ReadonlyMap<string, readonly Transfer[]>;
  /**
   * Payments whose every stored transfer the step holds, in chain order (they had none
   * before it, and all it recorded for them was new): not read back. The others' are read.
   */
  wholeTransfers: ReadonlyMap<string, readonly Transfer[]>;
  /** The time written as `paidAt` / `finalizedAt` by this step. */
  now: Date;
}

/**
 * Re-evaluates payments after transfers or the chain head changed, and announces the
 * changes, inside the caller's transaction (DESIGN.md "Payment lifecycle"):
 * - which payments: the ones a step touches (transfers recorded, reactivated or orphaned)
 *   and those with transfers young enough that their confirmations may reach the threshold
 *   ({@link lockPayments}); nothing else can change on a new head (a PENDING payment whose
 *   transfers are all confirmed waits for a top-up or the scheduler), so the work of a
 *   step never grows with the number of open payments;
 * - the state comes from `evaluatePayment` (domain): CREATED -> PENDING announces
 *   `payment.pending`, -> PAID announces `payment.paid`, PENDING -> CREATED (a reorg)
 *   announces nothing, a PAID payment that lost counted value gets exception REORGED and
 *   announces `payment.reorged` (once: the exception stays, the status stays PAID);
 * - a transfer never seen before to a final payment is a late transfer: exception
 *   PAID_LATE (REORGED, which means money is missing, is kept) and `payment.late_transfer`;
 *   the status stays final. Value in another coin or on another chain than the one that paid,
 *   in a block not later than the payment's `paidAt`, was not late: it arrived while the
 *   payment was being paid (another chain's watcher saw it after the paying chain's did), so
 *   it is more than was asked: exception OVERPAID, announced with `payment.late_transfer` as it
 *   was recorded after the final state;
 * - the changes are written in one guarded statement (each applies only if the status is
 *   still the one read) and announced in one outbox insert, so a block that changes many
 *   payments costs a constant number of queries;
 * - the payments are locked before the step writes anything that references them, and so
 *   before their transfers and the other chains' cursors are read (one writer at a time
 *   per payment, DESIGN.md "Trusting the chain"), so two chains' watchers and the scheduler
 *   never write a state computed from what another replaced, nor wait for each other.
 */
@Injectable()
export class ReevaluatePayments {
  private readonly logger = new Logger(ReevaluatePayments.name);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly transfers: TransfersRepository,
    private readonly events: PaymentEventsService,
    private readonly cursors: ChainCursorsRepository,
    private readonly objects: PaymentObjectsService,
    private readonly policies: SettlementPoliciesRepository,
  ) {}

  /**
   * Locks, in id order, every payment a step may change, BEFORE the step writes anything
   * that references them: the payments its transfers go to (`paymentIds`), and every payment
   * with an active transfer on the chain from `fromBlock` on (those the step orphans, and
   * those young enough to cross their confirmations: {@link youngTransfersFrom}). Inserting
   * a transfer takes a key-share lock on its payment; had another evaluator (another chain's
   * watcher, the scheduler) locked that payment first and then moved it to an option on
   * another chain (a new `deposit_address`, a unique key, which needs the row's full update
   * lock), each would wait for the other.
   * @returns the locked payments, ordered by id, for {@link afterStep}
   */
  async lockPayments(manager: EntityManager, chainId: number, fromBlock: bigint, paymentIds: Iterable<string>): Promise<Payment[]> {
    return this.payments.lockForEvaluation([...new Set(paymentIds)], manager, { chainId, fromBlock });
  }

  /**
   * Starts reading the settlement policies of the locked payments' merchants (the payments
   * that go final take their mode into their event's payment object), so a caller can send
   * the read with its other statements and hand it to {@link afterStep}.
   */
  readPolicies(manager: EntityManager, payments: readonly Payment[]): Promise<SettlementPolicies> {
    return this.policies.getMany([...new Set(payments.map((payment) => payment.merchantId))], manager);
  }

  /**
   * Re-evaluates the payments a step may have changed, locked by {@link lockPayments} in the
   * same transaction before the step's writes.
   * @param policies {@link readPolicies} of these payments, when the caller started it; else
   *   the policies of the merchants whose payments go final are read here
   * @returns how many payments were evaluated (bounded by the touched and young ones,
   *   never by the open payments), how many changed, and the ids of those that became PAID
   */
  async afterStep(
    manager: EntityManager,
    payments: readonly Payment[],
    step: ChainStep,
    policies?: Promise<SettlementPolicies>,
  ): Promise<{ evaluated: number; changed: number; paid: string[] }> {
    if (payments.length === 0) return { evaluated: 0, changed: 0, paid: [] };
    const transfers = await this.transfersOf(manager, payments, step);
    const heads = await this.headsFor(manager, payments, step);
    const changes: { payment: Payment; next: NextState }[] = [];
    for (const payment of payments) {
      const fresh = step.newTransfers.get(payment.id);
      const late = fresh !== undefined && isFinal(payment.status);
      const overpaidInTime = late && fresh.every((transfer) => arrivedWhilePaying(payment, transfer));
      const next = nextState(payment, transfers.get(payment.id) ?? [], late, overpaidInTime, step, heads);
      if (next) changes.push({ payment, next });
    }
    if (changes.length === 0) return { evaluated: payments.length, changed: 0, paid: [] };
    // Read before the update: a query sent after it would wait for it.
    const settling = [...new Set(changes.filter(({ next }) => isFinal(next.status)).map(({ payment }) => payment.merchantId))];
    const modes = await (policies ?? this.policies.getMany(settling, manager));
    const updating = this.payments.updateStates(
      changes.map(({ payment, next }) => ({
        id: payment.id,
        expectedStatus: payment.status,
        status: next.status,
        exception: next.exception,
        amountReceived: next.amountReceived,
        paidAt: next.paidAt,
        finalizedAt: next.finalizedAt,
        optionId: next.optionId,
      })),
      manager,
    );
    // Awaited below, after the events are built; a failure meanwhile must not go unhandled.
    updating.catch(() => undefined);
    if (changes.length >= OVERLAP_FROM) await queryOnItsWay();
    // While PostgreSQL updates the payments, the events that announce the changes are built
    // and serialised here: the objects of payments that were open from what this step holds.
    const announcements: { type: EventType; paymentId: string }[] = [];
    const paid: string[] = [];
    const known = new Map<string, { merchantId: MerchantId; object: PaymentObject }>();
    for (const { payment, next } of changes) {
      const announced = this.announcementsOf(payment, next, step);
      announcements.push(...announced);
      if (announced.some(({ type }) => type === 'payment.paid')) paid.push(payment.id);
      if (announced.length > 0 && !isFinal(payment.status)) {
        const mode = modes.get(payment.merchantId)?.mode ?? 'immediate';
        known.set(payment.id, { merchantId: payment.merchantId, object: this.objects.buildFromOpen(withState(payment, next), transfers.get(payment.id) ?? [], heads, mode) });
      }
    }
    const events = this.events.prepareMany(manager, announcements, step.now, known);
    events.catch(() => undefined);
    // Sent behind the update without waiting for it (one round trip on a pipelining pool);
    // when the check below fails, the transaction is rolled back with both.
    const [updated] = await inSendOrder(updating, events.then((prepared) => this.events.recordPrepared(manager, prepared)));
    const applied = new Set(updated);
    for (const { payment } of changes) {
      // The rows are locked: a guarded update that did not apply is a bug, not a race.
      if (!applied.has(payment.id)) throw new Error(`Payment ${payment.id} changed while the watcher held its lock`);
    }
    return { evaluated: payments.length, changed: changes.length, paid };
  }

  /** Every transfer of each payment, active and orphaned, in chain order: those the step holds whole, the others read. */
  private async transfersOf(manager: EntityManager, payments: readonly Payment[], step: ChainStep): Promise<Map<string, readonly Transfer[]>> {
    const unknown = payments.filter((payment) => !step.wholeTransfers.has(payment.id)).map((payment) => payment.id);
    const transfers: Map<string, readonly Transfer[]> = await this.transfers.listByPayments(unknown, manager);
    for (const [paymentId, whole] of step.wholeTransfers) transfers.set(paymentId, whole);
    return transfers;
  }

  /**
   * The heads confirmations are counted against: this step's head for its chain, and the
   * stored cursor of every other chain an evaluated payment has an option on (a price paid
   * in any accepted coin and network).
   */
  private async headsFor(manager: EntityManager, payments: readonly Payment[], step: ChainStep): Promise<ChainHeads> {
    const others = paymentChainIds(payments).filter((chainId) => chainId !== step.chainId);
    const heads = others.length > 0 ? await this.cursors.heads(others, manager) : new Map<number, bigint>();
    heads.set(step.chainId, step.head);
    return heads;
  }

  /** The events a change announces: its transition, a late transfer, a REORGED exception (logged too). */
  private announcementsOf(payment: Payment, next: NextState, step: ChainStep): { type: EventType; paymentId: string }[] {
    const announcements: { type: EventType; paymentId: string }[] = [];
    const transition = eventForTransition(payment.status, next.status);
    if (transition) announcements.push({ type: transition, paymentId: payment.id });
    if (next.lateTransfer) announcements.push({ type: 'payment.late_transfer', paymentId: payment.id });
    if (next.exception === 'REORGED' && payment.exception !== 'REORGED') {
      announcements.push({ type: 'payment.reorged', paymentId: payment.id });
      this.logger.error(`Payment ${payment.id} on chain ${step.chainId} lost counted value in a reorg deeper than its confirmations`);
    }
    return announcements;
  }

}

/**
 * First block whose transfers may have reached `confirmations` since the previous head:
 * a transfer in block b has head - b + 1 confirmations, so it crossed the threshold in
 * this step when b > previousHead - confirmations + 1.
 */
export function youngTransfersFrom(step: { previousHead: bigint | null; head: bigint; confirmations: number }): bigint {
  const from = (step.previousHead ?? step.head) - BigInt(step.confirmations) + 2n;
  return from > 0n ? from : 0n;
}

/** A payment's next stored state, or null when nothing changes. */
interface NextState {
  status: Payment['status'];
  exception: PaymentException | null;
  amountReceived: bigint;
  paidAt: Date | null;
  finalizedAt: Date | null;
  /** The option the payment moves onto (value arrived in another option than its current one), else null. */
  optionId: string | null;
  lateTransfer: boolean;
}

function nextState(
  payment: Payment,
  transfers: readonly Transfer[],
  lateTransfer: boolean,
  overpaidInTime: boolean,
  step: ChainStep,
  heads: ChainHeads,
): NextState | null {
  const evaluation = evaluatePayment(payment, transfers, heads);
  const exception = lateTransfer && evaluation.exception !== 'REORGED' ? (overpaidInTime ? 'OVERPAID' : 'PAID_LATE') : evaluation.exception;
  const amountReceived = evaluation.sums.confirmed;
  const optionId = movedToOption(payment, evaluation);
  const unchanged =
    optionId === null && evaluation.status === payment.status && exception === payment.exception && amountReceived === payment.amountReceived;
  if (unchanged && !lateTransfer) return null;
  const becomesPaid = evaluation.status === 'PAID' && payment.status !== 'PAID';
  const becomesFinal = isFinal(evaluation.status) && !isFinal(payment.status);
  return {
    status: evaluation.status,
    exception,
    amountReceived,
    paidAt: becomesPaid ? step.now : payment.paidAt,
    finalizedAt: becomesFinal ? step.now : payment.finalizedAt,
    optionId,
    lateTransfer,
  };
}

/**
 * The payment as its stored row stands once `next` is written: its new state and, when it
 * moves to another option, that option's coin (as `PaymentsRepository.updateStates` copies it).
 */
function withState(payment: Payment, next: NextState): Payment {
  const option = next.optionId === null ? undefined : payment.options?.find((candidate) => candidate.id === next.optionId);
  if (next.optionId !== null && !option) throw new Error(`Payment ${payment.id} has no option ${next.optionId}`);
  return { ...payment, ...(option ? coinOf(option) : {}), status: next.status, exception: next.exception, amountReceived: next.amountReceived, paidAt: next.paidAt, finalizedAt: next.finalizedAt };
}

/**
 * Whether a transfer recorded after its payment became PAID arrived while the payment was being
 * paid: in another coin or on another chain than the option that paid (on the paying chain a
 * transfer recorded later is in a later block), in a block not later than `paidAt`.
 */
function arrivedWhilePaying(payment: Payment, transfer: Transfer): boolean {
  if (payment.status !== 'PAID' || payment.paidAt === null) return false;
  const paying = { chainId: payment.chainId, token: { address: payment.token.address } };
  return !sameOption(paying, { chainId: transfer.chainId, token: { address: transfer.tokenAddress } }) && transfer.blockTimestamp <= payment.paidAt;
}

/**
 * From how many changed payments a step lets the update go before building their events: a
 * turn of the event loop costs up to a millisecond when other I/O is queued (a block
 * followed at the head), building one payment's event a few microseconds.
 */
const OVERLAP_FROM = 64;

/**
 * Resolves once the event loop has run the I/O it had queued: a query started just before
 * (its promise not awaited) has then been written to its connection, so PostgreSQL runs it
 * while the caller goes on computing.
 */
function queryOnItsWay(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

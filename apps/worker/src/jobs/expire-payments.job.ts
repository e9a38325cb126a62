import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import {
  type ChainHeads,
  decideExpiry,
  evaluatePayment,
  eventForTransition,
  isFinal,
  type Payment,
  movedToOption,
  paymentChainIds,
  timeoutException,
  type Transfer,
} from '@kassa/domain';
import { ChainCursorsRepository, type PaymentState, PaymentsRepository, TransfersRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { BalanceCredits } from '../balances/balance-credits';
import { DepositBalances } from '../balances/deposit-balances';

/** Name of the interval in the scheduler registry; its period is `jobs.expiry.intervalMs`. */
export const EXPIRE_PAYMENTS_JOB = 'expire-payments';

interface WatcherProgress {
  cursorBlock: bigint | null;
  cursorTime: Date | null;
  nodeHead: bigint | null;
}

/** What one run did. */
export interface ExpiryRunResult {
  timedOut: string[];
  /** Payments decided on a balance credit (PAID, or TIMEOUT with UNDERPAID), also listed in `timedOut` when timed out. */
  credited: string[];
  waiting: string[];
}

/**
 * The scheduler that gives every unpaid payment its final state (IVPAY: "always a final
 * state"; DESIGN.md "Payment lifecycle"): an open payment past its deadline becomes
 * TIMEOUT (exception UNDERPAID when some value arrived), unless its full amount arrived in
 * time and waits for confirmations, for at most `confirmationGrace`. Nor does a payment
 * time out before the chain watcher has seen every block up to its deadline. Before timing
 * a payment out, its deposit address's balance at the deadline block is read once
 * ({@link BalanceCredits}): value no recorded transfer explains (native coin forwarded by
 * a contract's internal call) is credited, and the payment is decided on it, PAID or
 * TIMEOUT with UNDERPAID. CANCELED and PAID payments are never touched.
 * Payments move in set-based batches of `jobs.expiry.batchSize`.
 */
@Injectable()
export class ExpirePaymentsJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpirePaymentsJob.name);
  private running: Promise<ExpiryRunResult> | null = null;

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    private readonly transfers: TransfersRepository,
    private readonly cursors: ChainCursorsRepository,
    private readonly events: PaymentEventsService,
    private readonly balances: DepositBalances,
    private readonly balanceCredits: BalanceCredits,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalMs } = this.config.jobs.expiry;
    if (!enabled) return;
    const timer = setInterval(() => {
      if (this.running) return;
      this.runOnce().catch((error: unknown) => this.logger.error(`Expiry run failed: ${(error as Error).message}`, (error as Error).stack));
    }, intervalMs);
    this.scheduler.addInterval(EXPIRE_PAYMENTS_JOB, timer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', EXPIRE_PAYMENTS_JOB)) this.scheduler.deleteInterval(EXPIRE_PAYMENTS_JOB);
    await this.running?.catch(() => undefined);
  }

  /** Runs one batch now (never two at once in this process). */
  runOnce(now: Date = new Date()): Promise<ExpiryRunResult> {
    if (!this.running) {
      this.running = this.expire(now).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async expire(now: Date): Promise<ExpiryRunResult> {
    const candidates = await this.payments.listOpenPastDeadline(now, this.config.jobs.expiry.batchSize);
    if (candidates.length === 0) return { timedOut: [], credited: [], waiting: [] };
    const transfers = await this.transfers.listByPayments(candidates.map((payment) => payment.id));
    const progress = await this.watcherProgress(candidates);
    const graceMs = this.config.payments.confirmationGraceSeconds * 1000;

    const toTimeOut: { payment: Payment; state: PaymentState }[] = [];
    const waiting: string[] = [];
    const heads = new Map([...progress].map(([chainId, chain]) => [chainId, chain.cursorBlock ?? 0n]));
    for (const payment of candidates) {
      const evaluation = evaluatePayment(payment, transfers.get(payment.id) ?? [], heads);
      let decision = decideExpiry(payment, evaluation, now, graceMs);
      // The watcher has not yet seen every block up to the deadline on every chain the payment
      // can be paid on: an in-time transfer may still come.
      const pastGrace = now.getTime() > payment.expiresAt.getTime() + graceMs;
      const watchersPassed = paymentChainIds([payment]).every((chainId) => this.watcherPassed(progress.get(chainId), payment.expiresAt));
      if (decision === 'timeout' && !pastGrace && !watchersPassed) decision = 'wait_for_confirmations';
      if (decision === 'timeout') {
        toTimeOut.push({
          payment,
          state: {
            id: payment.id,
            expectedStatus: payment.status,
            status: 'TIMEOUT',
            exception: timeoutException(evaluation.sums),
            amountReceived: evaluation.sums.confirmed,
            paidAt: null,
            finalizedAt: now,
          },
        });
      } else if (decision === 'wait_for_confirmations') {
        waiting.push(payment.id);
      }
    }

    const checks = await this.balanceCredits.check(
      toTimeOut.map(({ payment }) => ({
        payment,
        transfers: transfers.get(payment.id) ?? [],
        pastGrace: now.getTime() > payment.expiresAt.getTime() + graceMs,
      })),
    );
    const timeOut: PaymentState[] = [];
    const credits: { payment: Payment; credits: Transfer[] }[] = [];
    for (const { payment, state } of toTimeOut) {
      const check = checks.get(payment.id);
      if (check?.outcome === 'credit') credits.push({ payment, credits: check.credits });
      else if (check?.outcome === 'nothing_unrecorded') timeOut.push(state);
      else waiting.push(payment.id);
    }

    const { timedOut, credited } = await this.dataSource.transaction(async (manager) => {
      // One writer per payment: what was read above may have changed (a watcher recorded a
      // transfer or moved its cursor). Lock, read again, and decide only what still holds.
      const ids = [...timeOut.map((state) => state.id), ...credits.map(({ payment }) => payment.id)];
      const locked = new Map((await this.payments.lockForEvaluation(ids, manager)).map((payment) => [payment.id, payment]));
      if (credits.length > 0) await this.transfers.insertMany(manager, credits.flatMap((credited) => credited.credits));
      const current = await this.transfers.listByPayments(ids, manager);
      const currentHeads = await this.cursors.heads(paymentChainIds([...locked.values()]), manager);
      const states: PaymentState[] = [];
      for (const state of timeOut) {
        const payment = locked.get(state.id);
        if (!payment || isFinal(payment.status)) continue;
        const evaluation = evaluatePayment(payment, current.get(payment.id) ?? [], currentHeads);
        if (decideExpiry(payment, evaluation, now, graceMs) !== 'timeout') continue;
        states.push({ ...state, expectedStatus: payment.status, exception: timeoutException(evaluation.sums), amountReceived: evaluation.sums.confirmed });
      }
      for (const { payment: read } of credits) {
        const payment = locked.get(read.id);
        if (payment && !isFinal(payment.status)) states.push(decideOnCredit(payment, current.get(payment.id) ?? [], currentHeads, now));
      }
      // One statement for every change, one for every event, whatever the batch's size.
      const changed = new Set(await this.payments.updateStates(states, manager));
      const applied = states.filter((state) => changed.has(state.id));
      const announcements = applied.flatMap((state) => {
        const type = eventForTransition(state.expectedStatus, state.status);
        return type ? [{ type, paymentId: state.id }] : [];
      });
      await this.events.recordMany(manager, announcements, now);
      const creditedIds = new Set(credits.map(({ payment }) => payment.id));
      return {
        timedOut: applied.filter((state) => state.status === 'TIMEOUT').map((state) => state.id),
        credited: applied.filter((state) => creditedIds.has(state.id)).map((state) => state.id),
      };
    });
    if (timedOut.length) this.logger.log(`Timed out ${timedOut.length} payment(s)`);
    return { timedOut, credited, waiting };
  }

  /**
   * True when the watcher has recorded every transfer that could be in time: its cursor
   * block is past the deadline, or it stands at the node's head (no later block exists,
   * so none can hold an in-time transfer it has not seen).
   */
  private watcherPassed(chain: WatcherProgress | undefined, deadline: Date): boolean {
    if (!chain || chain.cursorBlock === null) return false;
    if (chain.cursorTime !== null && chain.cursorTime.getTime() > deadline.getTime()) return true;
    return chain.nodeHead !== null && chain.cursorBlock >= chain.nodeHead;
  }

  /** Where each chain's watcher stands: its cursor, the cursor block's time, and the node's head. */
  private async watcherProgress(payments: readonly Payment[]): Promise<Map<number, WatcherProgress>> {
    const chainIds = paymentChainIds(payments);
    const entries = await Promise.all(
      chainIds.map(async (chainId): Promise<[number, WatcherProgress]> => {
        const [cursor, nodeHead] = await Promise.all([this.cursors.get(chainId), this.balances.headBlockNumber(chainId)]);
        const block = cursor ? (await this.cursors.getBlocks(chainId, cursor.blockNumber, cursor.blockNumber))[0] : undefined;
        return [chainId, { cursorBlock: cursor?.blockNumber ?? null, cursorTime: block?.timestamp ?? null, nodeHead }];
      }),
    );
    return new Map(entries);
  }
}

/**
 * The new state of a payment whose balance credit was just recorded: PAID when its
 * confirmed, in-time value now reaches the minimum (standing on the option that was paid,
 * when a credit in another option paid it: native coin forwarded on another chain), else
 * TIMEOUT with UNDERPAID. Guarded by the status it was read with under lock.
 */
function decideOnCredit(payment: Payment, transfers: readonly Transfer[], heads: ChainHeads, now: Date): PaymentState {
  const evaluation = evaluatePayment(payment, transfers, heads);
  const paid = evaluation.status === 'PAID';
  return {
    id: payment.id,
    expectedStatus: payment.status,
    optionId: movedToOption(payment, evaluation),
    status: paid ? 'PAID' : 'TIMEOUT',
    exception: paid ? evaluation.exception : timeoutException(evaluation.sums),
    amountReceived: evaluation.sums.confirmed,
    paidAt: paid ? now : null,
    finalizedAt: now,
  };
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { decideExpiry, evaluatePayment, type Payment, timeoutException } from '@kassa/domain';
import { ChainCursorsRepository, type PaymentState, PaymentsRepository, TransfersRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { DepositBalances } from './deposit-balances';

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
  waiting: string[];
}

/**
 * The scheduler that gives every unpaid payment its final state (IVPAY: "always a final
 * state"; DESIGN.md "Payment lifecycle"): an open payment past its deadline becomes
 * TIMEOUT (exception UNDERPAID when some value arrived), unless its full amount arrived in
 * time and waits for confirmations, for at most `confirmationGrace`. Before timing a
 * payment out, its deposit address's balance is read once; value the watcher has not
 * recorded yet (lag, or an internal transfer) postpones the decision to a later run,
 * at most until the grace period ends. Nor does a payment time out before the chain
 * watcher has seen every block up to its deadline. CANCELED and PAID payments are never touched.
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
    if (candidates.length === 0) return { timedOut: [], waiting: [] };
    const transfers = await this.transfers.listByPayments(candidates.map((payment) => payment.id));
    const progress = await this.watcherProgress(candidates);
    const graceMs = this.config.payments.confirmationGraceSeconds * 1000;

    const toTimeOut: { payment: Payment; state: PaymentState; seen: bigint }[] = [];
    const waiting: string[] = [];
    for (const payment of candidates) {
      const chain = progress.get(payment.chainId);
      const evaluation = evaluatePayment(payment, transfers.get(payment.id) ?? [], chain?.cursorBlock ?? 0n);
      let decision = decideExpiry(payment, evaluation.sums, now, graceMs);
      // Paid in time and confirmed: the watcher marks it PAID on its next block.
      if (evaluation.status === 'PAID') decision = 'wait_for_confirmations';
      // The watcher has not yet seen every block up to the deadline: an in-time transfer may still come.
      const pastGrace = now.getTime() > payment.expiresAt.getTime() + graceMs;
      if (decision === 'timeout' && !pastGrace && !this.watcherPassed(chain, payment.expiresAt)) decision = 'wait_for_confirmations';
      if (decision === 'timeout') {
        toTimeOut.push({
          payment,
          seen: evaluation.sums.seen,
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

    const confirmedByBalance = await this.withoutUnrecordedValue(toTimeOut, now, graceMs);
    const timedOut = await this.dataSource.transaction(async (manager) => {
      const changed = await this.payments.updateStates(confirmedByBalance.map((entry) => entry.state), manager);
      for (const id of changed) await this.events.record(manager, 'payment.timeout', id, now);
      return changed;
    });
    if (timedOut.length) this.logger.log(`Timed out ${timedOut.length} payment(s)`);
    return { timedOut, waiting: [...waiting, ...toTimeOut.filter((entry) => !confirmedByBalance.includes(entry)).map((entry) => entry.payment.id)] };
  }

  /**
   * Keeps the payments whose on-chain balance shows no value beyond what is recorded. More
   * value than recorded means the watcher has not caught up (or value came by an internal
   * transfer): such a payment waits, but never past the confirmation grace period.
   */
  private async withoutUnrecordedValue<T extends { payment: Payment; seen: bigint }>(entries: T[], now: Date, graceMs: number): Promise<T[]> {
    if (entries.length === 0) return entries;
    const balances = await this.balances.read(entries.map((entry) => entry.payment));
    return entries.filter(({ payment, seen }) => {
      const pastGrace = now.getTime() > payment.expiresAt.getTime() + graceMs;
      const balance = balances.get(payment.id);
      if (balance === undefined) return pastGrace;
      if (balance > seen && !pastGrace) {
        this.logger.warn(`Payment ${payment.id}: deposit address holds ${balance} base units but ${seen} are recorded; waiting for the watcher`);
        return false;
      }
      return true;
    });
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
    const chainIds = [...new Set(payments.map((payment) => payment.chainId))];
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

import { Inject, Injectable, Logger } from '@nestjs/common';
import { getAddress, type Address, type Hex } from 'viem';
import { DataSource } from 'typeorm';

import { encodeFlushCall } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { newId, replacementFees, settlementRetryDelayMs } from '@kassa/domain';
import { type NewSettlement, SettlementsRepository, SettlementTransactionsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import type { PlannedFlush, SettlementPlan } from './plan-settlements';
import type { SettlementLane } from './settlement-lanes';
import { SettlementTransactionSender, shortMessage } from './settlement-transaction.sender';

/** The longest a failed settlement waits before its next try: one hour. */
export const MAX_SETTLEMENT_RETRY_DELAY_MS = 3_600_000;

/** A simulated flush call: its calldata and gas, or why it would fail. */
type Estimate = { ok: true; data: Hex; gas: bigint } | { ok: false; error: string };

/** The flushes that will go out in one transaction. */
interface Sendable {
  flushes: PlannedFlush[];
  data: Hex;
  gasLimit: bigint;
}

/** What one send did. */
export interface SendResult {
  /** The settlement transaction stored and broadcast, if any. */
  transactionId: string | null;
  /** Payments settled without a transaction: their deposit address held nothing any more. */
  alreadyFlushed: string[];
  /** Payments left out because their flush would fail (retried later). */
  failed: string[];
}

/**
 * Sends a lane's next settlement transaction (docs/settlement.md "Guarantees"):
 * 0. a deposit address that lacks counted money and was never flushed is a shortfall: an
 *    alarm, never a settlement (`shortfallOf` in plan-settlements.ts);
 * 1. a deposit address that holds nothing any more (anyone may flush it; funds can only have
 *    gone to its treasury) is recorded settled at once, with `payment.settled`;
 * 2. the flush is simulated (`eth_estimateGas`); when the batch would revert, each flush is
 *    tried alone and the failing ones are recorded failed, to be retried with backoff;
 * 3. the transaction is signed for the gas payer's next nonce (fees: the market's, and for a
 *    retry after a reverted transaction at least that one's raised by the fee bump), stored
 *    with its settlements (write-ahead), and only then broadcast.
 * The caller holds the lane's lock and has checked that the lane has no transaction in flight.
 */
@Injectable()
export class SendSettlement {
  private readonly logger = new Logger(SendSettlement.name);

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly dataSource: DataSource,
    private readonly settlements: SettlementsRepository,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly events: PaymentEventsService,
    private readonly sender: SettlementTransactionSender,
  ) {}

  /**
   * Records, simulates, signs, stores and broadcasts the plan's settlement transaction.
   * @throws the database or RPC error of a step that failed; what was stored before it stands
   *   (a stored transaction is followed up by the next run)
   */
  async send(lane: SettlementLane, full: SettlementPlan, now: Date): Promise<SendResult> {
    const short = full.flushes.filter((flush) => flush.shortfall !== null);
    await this.recordShortfalls(lane, short, now);
    const plan = { ...full, flushes: full.flushes.filter((flush) => flush.shortfall === null) };
    const empty = plan.flushes.filter((flush) => flush.coins.length === 0);
    const alreadyFlushed = await this.recordAlreadyFlushed(empty, now);
    const { sendable, failed: failedToSimulate } = await this.simulate(lane, plan, now);
    const failed = [...short.map((flush) => flush.candidate.paymentId), ...failedToSimulate];
    if (!sendable) return { transactionId: null, alreadyFlushed, failed };

    const { chainId } = lane.chain;
    const nonce = BigInt(await lane.client.getTransactionCount({ address: lane.gasPayer, blockTag: 'pending' }));
    const highest = await this.transactions.highestNonce(chainId, lane.gasPayer);
    if (highest !== null && nonce <= highest) {
      // The node has not seen a transaction Kassa already recorded for this nonce: never reuse it.
      this.logger.warn(`Chain ${chainId}: the node reports nonce ${nonce} for ${lane.gasPayer}, but nonce ${highest} is recorded; settling later`);
      return { transactionId: null, alreadyFlushed, failed };
    }
    // A retry after a transaction that failed on chain offers more than that one did.
    let fees = await this.sender.marketFees(lane);
    for (const { candidate } of sendable.flushes) {
      if (candidate.previousFees) fees = replacementFees(candidate.previousFees, fees, this.config.settlement.feeBumpPercent);
    }
    const signed = await this.sender.sign(lane, { to: plan.factory, data: sendable.data, gas: sendable.gasLimit, nonce: Number(nonce) }, fees);
    const transactionId = newId('settlementTransaction', now.getTime());
    await this.dataSource.transaction(async (manager) => {
      await this.transactions.insert(manager, {
        id: transactionId,
        chainId,
        from: lane.gasPayer,
        to: getAddress(plan.factory),
        nonce,
        txHash: signed.txHash,
        rawTransaction: signed.rawTransaction,
        gasLimit: sendable.gasLimit,
        fees,
        batchSize: sendable.flushes.length,
      });
      await this.settlements.insertMany(manager, sendable.flushes.map((flush) => this.newSettlement(flush, now, transactionId)), { status: 'pending' });
    });
    this.logger.log(`Chain ${chainId}: settling ${sendable.flushes.length} payment(s) in ${signed.txHash} (nonce ${nonce})`);
    await this.sender.broadcast(lane, { id: transactionId, ...signed });
    return { transactionId, alreadyFlushed, failed };
  }

  private newSettlement(flush: PlannedFlush, now: Date, transactionId: string | null): NewSettlement {
    const { candidate } = flush;
    return {
      id: newId('settlement', now.getTime()),
      merchantId: candidate.merchantId,
      paymentId: candidate.paymentId,
      chainId: candidate.chainId,
      depositAddress: candidate.depositAddress,
      treasuryAddress: candidate.treasuryAddress,
      coveredTransferId: candidate.lastTransferId,
      attempt: candidate.attempt,
      transactionId,
    };
  }

  /**
   * Records the flushes whose deposit address lacks counted money (`shortfallOf` in plan-settlements.ts) as
   * failed shortfalls: never settled, no `payment.settled`, an error log, and the
   * `kassa_settlement_shortfalls` gauge; looked at again after the longest retry delay (a
   * node that lagged may have caught up).
   */
  private async recordShortfalls(lane: SettlementLane, flushes: readonly PlannedFlush[], now: Date): Promise<void> {
    if (flushes.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const flush of flushes) {
        const { held, counted } = flush.shortfall!;
        const error =
          `Shortfall: the deposit address holds ${held} base units of ${flush.candidate.currency}, ${counted} were counted; ` +
          `the money is not there (a node that served another chain, or a missing transfer), so it is not settled`;
        await this.settlements.insertMany(manager, [this.newSettlement(flush, now, null)], {
          status: 'failed',
          error,
          nextAttemptAt: new Date(now.getTime() + MAX_SETTLEMENT_RETRY_DELAY_MS),
          shortfall: true,
        });
        this.logger.error(`Payment ${flush.candidate.paymentId} on chain ${lane.chain.chainId}: ${error}`);
      }
    });
  }

  private async recordAlreadyFlushed(flushes: readonly PlannedFlush[], now: Date): Promise<string[]> {
    if (flushes.length === 0) return [];
    await this.dataSource.transaction(async (manager) => {
      await this.settlements.insertMany(manager, flushes.map((flush) => this.newSettlement(flush, now, null)), { status: 'settled', at: now });
      await this.events.recordMany(manager, flushes.map((flush) => ({ type: 'payment.settled' as const, paymentId: flush.candidate.paymentId })), now);
    });
    return flushes.map((flush) => flush.candidate.paymentId);
  }

  /**
   * The flushes that would succeed, with their calldata and gas limit (the estimate plus a
   * quarter, doubled for a retry); the others are recorded failed.
   */
  private async simulate(lane: SettlementLane, plan: SettlementPlan, now: Date): Promise<{ sendable: Sendable | null; failed: string[] }> {
    let flushes = plan.flushes.filter((flush) => flush.coins.length > 0);
    const failures: { flush: PlannedFlush; error: string }[] = [];
    let estimate = flushes.length ? await this.estimate(lane, plan.factory, flushes) : null;
    if (estimate && !estimate.ok && flushes.length > 1) {
      // The batch would revert: find the flushes that fail on their own and leave them out.
      const alone = await Promise.all(flushes.map(async (flush) => ({ flush, result: await this.estimate(lane, plan.factory, [flush]) })));
      for (const { flush, result } of alone) if (!result.ok) failures.push({ flush, error: result.error });
      flushes = alone.filter(({ result }) => result.ok).map(({ flush }) => flush);
      estimate = flushes.length ? await this.estimate(lane, plan.factory, flushes) : null;
    }
    if (estimate && !estimate.ok) {
      const { error } = estimate;
      failures.push(...flushes.map((flush) => ({ flush, error })));
      estimate = null;
    }
    await this.recordFailures(failures, now);
    const failed = failures.map(({ flush }) => flush.candidate.paymentId);
    if (!estimate?.ok) return { sendable: null, failed };
    const retry = flushes.some((flush) => flush.candidate.attempt > 1);
    return { sendable: { flushes, data: estimate.data, gasLimit: retry ? estimate.gas * 2n : (estimate.gas * 5n) / 4n }, failed };
  }

  private async estimate(lane: SettlementLane, factory: Address, flushes: readonly PlannedFlush[]): Promise<Estimate> {
    const data = encodeFlushCall(
      flushes.map(({ candidate, coins }) => ({ treasury: candidate.treasuryAddress, salt: candidate.salt, tokens: coins.map((coin) => coin.address) })),
    );
    try {
      return { ok: true, data, gas: await lane.client.estimateGas({ account: lane.gasPayer, to: factory, data }) };
    } catch (error) {
      return { ok: false, error: shortMessage(error).slice(0, 500) };
    }
  }

  private async recordFailures(failures: readonly { flush: PlannedFlush; error: string }[], now: Date): Promise<void> {
    if (failures.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const { flush, error } of failures) {
        const delay = settlementRetryDelayMs(flush.candidate.attempt, this.config.jobs.settlement.intervalMs, MAX_SETTLEMENT_RETRY_DELAY_MS);
        await this.settlements.insertMany(manager, [this.newSettlement(flush, now, null)], { status: 'failed', error, nextAttemptAt: new Date(now.getTime() + delay) });
        this.logger.warn(`Payment ${flush.candidate.paymentId}: its flush would fail (${error}); trying again in ${Math.round(delay / 1000)} s`);
      }
    });
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { getAddress, type Hex, type TransactionReceipt } from 'viem';
import { DataSource } from 'typeorm';

import { flushedAmounts } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { settlementRetryDelayMs, type TokenRef } from '@kassa/domain';
import { type SettlementTransactionRecord, SettlementsRepository, SettlementTransactionsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { MAX_SETTLEMENT_RETRY_DELAY_MS } from './send-settlement';
import { settledCoins, type SettlementLane } from './settlement-lanes';
import { TransactionTracker } from './transaction-tracker';

/** Where a lane's in-flight transaction stands after reconciling: finished (the lane is free) or still waiting. */
export type ReconcileOutcome = 'confirmed' | 'reverted' | 'dropped' | 'waiting';

/**
 * Follows a lane's in-flight settlement transaction ({@link TransactionTracker}: read from the
 * chain, rebroadcast or replaced as needed) and settles by its outcome (docs/settlement.md
 * "Guarantees"):
 * - reverted -> its settlements fail and are retried (a new transaction, next nonce, fees at
 *   least the market's);
 * - success with the chain's confirmations -> in one database transaction the settlements are
 *   settled with the amounts of the receipt's `Flushed` events, and each payment gets
 *   `payment.settled`;
 * - dropped (its nonce used by another transaction: someone else used the key) -> the
 *   settlements fail and are planned again from the balances on chain.
 */
@Injectable()
export class ReconcileSettlement {
  private readonly logger = new Logger(ReconcileSettlement.name);

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly dataSource: DataSource,
    private readonly settlements: SettlementsRepository,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly events: PaymentEventsService,
    private readonly tracker: TransactionTracker,
  ) {}

  /**
   * One look at the lane's in-flight transaction `tx` ({@link TransactionTracker}), and what
   * its outcome means for its settlements (rules on the class).
   * @returns `waiting` while it is in flight, else how it finished (the lane is free)
   * @throws the RPC or database error of a read or write that failed (the next run looks again)
   */
  async run(lane: SettlementLane, tx: SettlementTransactionRecord, now: Date): Promise<ReconcileOutcome> {
    const tracked = await this.tracker.look(lane, tx, now);
    switch (tracked.kind) {
      case 'waiting':
        return 'waiting';
      case 'dropped':
        return this.finishDropped(tx, now);
      case 'mined':
        return tracked.receipt.status === 'reverted' ? this.finishReverted(lane, tx, tracked.receipt, now) : this.finishConfirmed(lane, tx, tracked.receipt, now);
    }
  }

  private async finishConfirmed(lane: SettlementLane, tx: SettlementTransactionRecord, receipt: TransactionReceipt, now: Date): Promise<ReconcileOutcome> {
    const moved = flushedAmounts(receipt.logs);
    const coins = settledCoins(lane.chain);
    const coinOf = (token: Hex | null): TokenRef =>
      coins.find((coin) => (coin.address === null ? token === null : token !== null && coin.address.toLowerCase() === token.toLowerCase())) ?? {
        symbol: token ?? lane.chain.nativeCurrency.symbol,
        address: token,
        decimals: 0,
      };
    let settled = 0;
    await this.dataSource.transaction(async (manager) => {
      const finished = await this.transactions.finish(
        manager,
        tx.id,
        { status: 'confirmed', minedTxHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, effectiveGasPrice: receipt.effectiveGasPrice },
        now,
      );
      if (!finished) return;
      const pending = await this.settlements.pendingOfTransaction(tx.id, manager);
      await this.settlements.markSettled(
        manager,
        pending.map((settlement) => ({
          id: settlement.id,
          amounts: (moved.get(getAddress(settlement.depositAddress)) ?? []).map(({ token, amount }) => ({ token: coinOf(token), amount })),
        })),
        now,
      );
      await this.events.recordMany(manager, pending.map((settlement) => ({ type: 'payment.settled' as const, paymentId: settlement.paymentId })), now);
      settled = pending.length;
    });
    this.logger.log(`Chain ${lane.chain.chainId}: ${receipt.transactionHash} settled ${settled} payment(s), ${receipt.gasUsed} gas`);
    return 'confirmed';
  }

  private async finishReverted(lane: SettlementLane, tx: SettlementTransactionRecord, receipt: TransactionReceipt, now: Date): Promise<ReconcileOutcome> {
    await this.fail(
      tx,
      { status: 'reverted', minedTxHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, effectiveGasPrice: receipt.effectiveGasPrice },
      'the settlement transaction reverted',
      now,
    );
    this.logger.warn(`Chain ${lane.chain.chainId}: settlement transaction ${receipt.transactionHash} reverted; its payments are tried again`);
    return 'reverted';
  }

  private async finishDropped(tx: SettlementTransactionRecord, now: Date): Promise<ReconcileOutcome> {
    const error = `nonce ${tx.nonce} was used by a transaction Kassa did not sign`;
    await this.fail(tx, { status: 'dropped', error }, error, now, 0);
    this.logger.warn(`Chain ${tx.chainId}: ${error} (is the gas payer key used elsewhere?); its payments are planned again`);
    return 'dropped';
  }

  private async fail(
    tx: SettlementTransactionRecord,
    outcome: Parameters<SettlementTransactionsRepository['finish']>[2],
    error: string,
    now: Date,
    fixedDelayMs?: number,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.transactions.finish(manager, tx.id, outcome, now))) return;
      const pending = await this.settlements.pendingOfTransaction(tx.id, manager);
      const delayOf = (attempt: number) =>
        fixedDelayMs ?? settlementRetryDelayMs(attempt, this.config.jobs.settlement.intervalMs, MAX_SETTLEMENT_RETRY_DELAY_MS);
      await this.settlements.markFailed(
        manager,
        pending.map((settlement) => ({ id: settlement.id, nextAttemptAt: new Date(now.getTime() + delayOf(settlement.attempt)) })),
        error,
      );
    });
  }
}

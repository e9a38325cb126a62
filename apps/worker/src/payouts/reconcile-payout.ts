import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type SettlementTransactionRecord, PayoutsRepository, SettlementTransactionsRepository } from '@kassa/persistence';

import type { ReconcileOutcome } from '../settlement/reconcile-settlement';
import type { SettlementLane } from '../settlement/settlement-lanes';
import { TransactionTracker } from '../settlement/transaction-tracker';
import { PayoutOutcomes } from './payout-outcomes';

/**
 * Follows a payout lane's in-flight transaction ({@link TransactionTracker}: read from the
 * chain, rebroadcast or replaced as needed) and finishes its payout by the outcome, in one
 * database transaction with the transaction record and the events:
 * - mined and confirmed -> payout (and refund) `confirmed`, with the mined hash and block;
 * - reverted -> payout (and refund) `failed`: never sent again, the refund's amount is free;
 * - dropped (no hash of ours was mined and its nonce went to another transaction) -> the
 *   payout is pending again and is sent anew: the money never left.
 */
@Injectable()
export class ReconcilePayout {
  private readonly logger = new Logger(ReconcilePayout.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly payouts: PayoutsRepository,
    private readonly tracker: TransactionTracker,
    private readonly outcomes: PayoutOutcomes,
  ) {}

  /**
   * @returns `waiting` while it is in flight, else how it finished (the lane is free)
   * @throws the RPC or database error of a read or write that failed (the next run looks again)
   */
  async run(lane: SettlementLane, tx: SettlementTransactionRecord, now: Date): Promise<ReconcileOutcome> {
    const tracked = await this.tracker.look(lane, tx, now);
    if (tracked.kind === 'waiting') return 'waiting';
    await this.dataSource.transaction(async (manager) => {
      if (tracked.kind === 'dropped') {
        const error = `nonce ${tx.nonce} was used by a transaction Kassa did not sign`;
        if (!(await this.transactions.finish(manager, tx.id, { status: 'dropped', error }, now))) return;
        for (const payout of await this.payouts.ofTransaction(tx.id, manager)) {
          await this.outcomes.apply(manager, payout.id, { from: ['sent'], to: 'pending', transactionId: null, txHash: null }, now);
        }
        this.logger.warn(`Chain ${tx.chainId}: ${error} (is the payout wallet key used elsewhere?); its payout is sent again`);
        return;
      }
      const { receipt } = tracked;
      const status = receipt.status === 'reverted' ? 'reverted' : 'confirmed';
      const mined = { status, minedTxHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, effectiveGasPrice: receipt.effectiveGasPrice } as const;
      if (!(await this.transactions.finish(manager, tx.id, mined, now))) return;
      for (const payout of await this.payouts.ofTransaction(tx.id, manager)) {
        await this.outcomes.apply(
          manager,
          payout.id,
          status === 'confirmed'
            ? { from: ['sent'], to: 'confirmed', txHash: receipt.transactionHash, blockNumber: receipt.blockNumber }
            : { from: ['sent'], to: 'failed', txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, failureReason: 'the transaction reverted' },
          now,
        );
      }
      this.logger.log(`Chain ${tx.chainId}: payout transaction ${receipt.transactionHash} ${status}`);
    });
    return tracked.kind === 'dropped' ? 'dropped' : tracked.receipt.status === 'reverted' ? 'reverted' : 'confirmed';
  }
}

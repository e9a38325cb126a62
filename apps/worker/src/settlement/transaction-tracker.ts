import { Inject, Injectable } from '@nestjs/common';
import { TransactionNotFoundError, TransactionReceiptNotFoundError, type Hex, type TransactionReceipt } from 'viem';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { type SettlementTransactionRecord, SettlementTransactionsRepository } from '@kassa/persistence';

import type { SettlementLane } from './settlement-lanes';
import { SettlementTransactionSender } from './settlement-transaction.sender';

/**
 * Where a stored transaction stands: still in flight; mined (reverted, or successful with the
 * chain's confirmations), with the receipt; or dropped (its nonce went to a transaction Kassa
 * did not sign, so none of its hashes will ever be mined).
 */
export type TrackedTransaction = { kind: 'waiting' } | { kind: 'mined'; receipt: TransactionReceipt } | { kind: 'dropped' };

/**
 * Follows a lane's in-flight transaction by reading the chain, never by guessing
 * (docs/settlement.md "Guarantees"); settlement and payouts decide what its outcome means:
 * - a receipt for any hash signed for its nonce decides: reverted at once; successful once it
 *   has the chain's confirmations;
 * - no receipt, but the nonce is used: another transaction took it (someone else used the key);
 * - never broadcast (a crash between storing and sending): the same signed bytes are sent, so
 *   it can only ever be one transaction;
 * - broadcast but unknown to the node (dropped from its pool), or pending longer than
 *   `KASSA_SETTLEMENT_REPLACE_AFTER_SECONDS`: replaced with higher fees, same nonce.
 */
@Injectable()
export class TransactionTracker {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly sender: SettlementTransactionSender,
  ) {}

  /**
   * One look at `tx` (rules on the class); rebroadcasts or replaces it when it must.
   * @throws the RPC or database error of a read or write that failed (the next run looks again)
   */
  async look(lane: SettlementLane, tx: SettlementTransactionRecord, now: Date): Promise<TrackedTransaction> {
    const receipt = await this.receiptOf(lane, tx);
    if (receipt) {
      if (receipt.status === 'reverted') return { kind: 'mined', receipt };
      const head = await lane.client.getBlockNumber();
      if (head - receipt.blockNumber + 1n < BigInt(lane.chain.confirmations)) return { kind: 'waiting' };
      return { kind: 'mined', receipt };
    }

    const usedNonces = BigInt(await lane.client.getTransactionCount({ address: lane.gasPayer, blockTag: 'latest' }));
    if (usedNonces > tx.nonce) {
      // One of ours may have been mined between the two reads: look once more before giving up on it.
      if (await this.receiptOf(lane, tx)) return { kind: 'waiting' };
      return { kind: 'dropped' };
    }

    const known = await this.isKnown(lane, tx.txHash);
    if (tx.broadcastAt === null) {
      if (known) {
        await this.transactions.markBroadcast(tx.id, tx.txHash, now);
        return { kind: 'waiting' };
      }
      const outcome = await this.sender.broadcast(lane, tx);
      if (outcome === 'underpriced') await this.sender.replace(lane, tx, 'was refused as underpriced');
      return { kind: 'waiting' };
    }
    if (!known) await this.sender.replace(lane, tx, 'was dropped by the node');
    else if (now.getTime() - tx.broadcastAt.getTime() >= this.config.settlement.replaceAfterSeconds * 1000) {
      await this.sender.replace(lane, tx, `is still pending after ${this.config.settlement.replaceAfterSeconds} s`);
    }
    return { kind: 'waiting' };
  }

  /** The receipt of whichever hash signed for the nonce was mined, newest first; null when none was. */
  private async receiptOf(lane: SettlementLane, tx: SettlementTransactionRecord): Promise<TransactionReceipt | null> {
    for (const hash of [...tx.txHashes].reverse()) {
      try {
        return await lane.client.getTransactionReceipt({ hash });
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
      }
    }
    return null;
  }

  private async isKnown(lane: SettlementLane, hash: Hex): Promise<boolean> {
    try {
      await lane.client.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  }
}

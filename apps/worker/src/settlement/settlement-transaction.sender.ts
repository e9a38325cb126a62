import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BaseError,
  Eip1559FeesNotSupportedError,
  keccak256,
  parseTransaction,
  type Address,
  type Hex,
  type TransactionSerializable,
} from 'viem';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { replacementFees, type TransactionFees } from '@kassa/domain';
import { type SettlementTransactionRecord, SettlementTransactionsRepository } from '@kassa/persistence';

import { SettlementBroadcaster } from './settlement-broadcaster';
import type { SettlementLane } from './settlement-lanes';

/** A signed transaction: its hash and the bytes to broadcast. */
export interface SignedSettlementTransaction {
  txHash: Hex;
  rawTransaction: Hex;
}

/** How a broadcast went: accepted (or already known), refused for its fees, or failed otherwise. */
export type BroadcastOutcome = 'accepted' | 'underpriced' | 'failed';

/** Replacements of one nonce after which Kassa stops raising fees and only rebroadcasts. */
export const MAX_REPLACEMENTS = 10;

/** viem errors carry a one-line `shortMessage`; other errors only `message`. Never a key: only node answers. */
export function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

const ALREADY_KNOWN = /already known|known transaction|already imported|nonce too low|already in (the )?(mem)?pool/i;
const UNDERPRICED = /underpriced|fee too low|max fee per gas less than block base fee|gas price too low|priority fee/i;

/**
 * Signs the transactions of a lane (settlement flushes, payouts) with its key and hands them to the node, always
 * in the write-ahead order: the signed transaction (and every replacement of it) is stored
 * first, broadcast second, so a crash in between leaves a record the next run finds on chain
 * instead of a transaction nobody knows about.
 */
@Injectable()
export class SettlementTransactionSender {
  private readonly logger = new Logger(SettlementTransactionSender.name);

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly broadcaster: SettlementBroadcaster,
  ) {}

  /** The fees the node suggests now: EIP-1559 where blocks carry a base fee, else a legacy gas price. */
  async marketFees(lane: SettlementLane): Promise<TransactionFees> {
    try {
      const { maxFeePerGas, maxPriorityFeePerGas } = await lane.client.estimateFeesPerGas({ type: 'eip1559' });
      return { maxFeePerGas, maxPriorityFeePerGas };
    } catch (error) {
      if (error instanceof Eip1559FeesNotSupportedError) return { gasPrice: await lane.client.getGasPrice() };
      throw error;
    }
  }

  /** Signs a call (`data`, and `value` wei of the native coin, default none) for `nonce`, locally. */
  async sign(
    lane: SettlementLane,
    call: { to: Address; data: Hex; gas: bigint; nonce: number; value?: bigint },
    fees: TransactionFees,
  ): Promise<SignedSettlementTransaction> {
    const base = { chainId: lane.chain.chainId, nonce: call.nonce, to: call.to, data: call.data, gas: call.gas, value: call.value ?? 0n };
    const request: TransactionSerializable =
      'gasPrice' in fees ? { ...base, type: 'legacy', gasPrice: fees.gasPrice } : { ...base, type: 'eip1559', ...fees };
    const rawTransaction = await lane.account.signTransaction(request);
    return { txHash: keccak256(rawTransaction), rawTransaction };
  }

  /**
   * Broadcasts the stored latest signed transaction of `tx` and notes the outcome. "Already
   * known" (the node has it, or mined it) counts as accepted.
   */
  async broadcast(lane: SettlementLane, tx: Pick<SettlementTransactionRecord, 'id' | 'txHash' | 'rawTransaction'>): Promise<BroadcastOutcome> {
    try {
      await this.broadcaster.broadcast(lane, tx.rawTransaction);
    } catch (error) {
      const message = shortMessage(error);
      const details = error instanceof BaseError ? `${message} ${error.details ?? ''}` : message;
      if (!ALREADY_KNOWN.test(details)) {
        await this.transactions.noteError(tx.id, message.slice(0, 500));
        this.logger.warn(`Chain ${lane.chain.chainId}: broadcasting settlement transaction ${tx.txHash} failed: ${message}`);
        return UNDERPRICED.test(details) ? 'underpriced' : 'failed';
      }
    }
    await this.transactions.markBroadcast(tx.id, tx.txHash, new Date());
    return 'accepted';
  }

  /**
   * Replaces the transaction with one for the same nonce, same call and higher fees
   * (`replacementFees`: at least `KASSA_SETTLEMENT_FEE_BUMP_PERCENT` more on both fees, or the
   * market's), stored before it is broadcast. After {@link MAX_REPLACEMENTS} it only rebroadcasts.
   */
  async replace(lane: SettlementLane, tx: SettlementTransactionRecord, reason: string): Promise<void> {
    if (tx.replacements >= MAX_REPLACEMENTS) {
      this.logger.warn(`Chain ${lane.chain.chainId}: settlement transaction ${tx.txHash} (${reason}) was replaced ${tx.replacements} times; rebroadcasting it as it is`);
      await this.broadcast(lane, tx);
      return;
    }
    const previous = parseTransaction(tx.rawTransaction);
    if (previous.to == null || previous.gas === undefined || previous.nonce === undefined) {
      throw new Error(`Settlement transaction ${tx.id} cannot be decoded for a replacement`);
    }
    const fees = replacementFees(tx.fees, await this.marketFees(lane), this.config.settlement.feeBumpPercent);
    const signed = await this.sign(lane, { to: previous.to, data: previous.data ?? '0x', gas: previous.gas, nonce: previous.nonce, value: previous.value ?? 0n }, fees);
    if (!(await this.transactions.recordReplacement(tx.id, { ...signed, fees }))) return;
    this.logger.log(`Chain ${lane.chain.chainId}: settlement transaction ${tx.txHash} ${reason}; replaced by ${signed.txHash} with higher fees (nonce ${tx.nonce})`);
    await this.broadcast(lane, { id: tx.id, ...signed });
  }
}

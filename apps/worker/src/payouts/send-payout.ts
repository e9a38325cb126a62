import { Injectable, Logger } from '@nestjs/common';
import { erc20Abi, getAddress } from 'viem';
import { DataSource } from 'typeorm';

import { transferCall } from '@kassa/chain';
import { fromBaseUnits, newId, type Payout } from '@kassa/domain';
import { PayoutsRepository, SettlementTransactionsRepository } from '@kassa/persistence';

import type { SettlementLane } from '../settlement/settlement-lanes';
import { SettlementTransactionSender, shortMessage } from '../settlement/settlement-transaction.sender';
import { PayoutOutcomes } from './payout-outcomes';

/** What one send did. */
export interface PayoutSendResult {
  payoutId: string;
  /** `sent`: stored and broadcast; `waiting`: left pending (funds, gas or nonce), with `lastError`; `failed`: it would revert. */
  outcome: 'sent' | 'waiting' | 'failed';
  transactionId: string | null;
}

/** Pending payouts looked at per run: the oldest ones, until one can be sent. */
export const PAYOUTS_LOOKED_AT = 20;

/** Thrown inside the storing transaction when a cancel took the payout first: roll back, send nothing. */
class PayoutTakenError extends Error {}

/**
 * Sends a lane's oldest pending payout from the payout wallet with settlement's safety
 * (docs/refunds.md "Payouts", docs/settlement.md "Guarantees"):
 * 1. the wallet must hold the amount (and, for the native coin, the amount and the gas);
 *    otherwise the payout waits, with `lastError` saying what is missing, and the next
 *    pending payout (another coin) is tried;
 * 2. the transfer is simulated (`eth_estimateGas`); one that would revert (a token that
 *    refuses the recipient) fails, never sent, and its refund is free to be made again;
 * 3. it is signed for the wallet's next nonce, stored (write-ahead, with the payout marked
 *    sent in the same transaction, conditional on it still being pending) and only then
 *    broadcast. A cancel that came first wins: nothing is sent.
 * The caller holds the lane's lock and has checked that the lane has no transaction in flight.
 */
@Injectable()
export class SendPayout {
  private readonly logger = new Logger(SendPayout.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsRepository,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly sender: SettlementTransactionSender,
    private readonly outcomes: PayoutOutcomes,
  ) {}

  /**
   * Sends the oldest pending payout the wallet can pay now: one whose coin the wallet lacks
   * waits (with `lastError`) without holding up the payouts behind it.
   * @returns what was done with the payout it stopped at, or null when none is pending
   * @throws the database or RPC error of a step that failed; what was stored before it stands
   */
  async next(lane: SettlementLane, now: Date): Promise<PayoutSendResult | null> {
    let last: PayoutSendResult | null = null;
    for (const payout of await this.payouts.pending(lane.chain.chainId, PAYOUTS_LOOKED_AT)) {
      const { result, lane: laneWide } = await this.sendOne(lane, payout, now);
      last = result;
      if (result.outcome !== 'waiting' || laneWide) break;
    }
    return last;
  }

  private async sendOne(lane: SettlementLane, payout: Payout, now: Date): Promise<{ result: PayoutSendResult; lane: boolean }> {
    const { chainId } = lane.chain;
    const call = transferCall({ token: payout.token.address, to: payout.address, amount: payout.amount });
    const wait = async (why: string, laneWide = false) => {
      await this.payouts.noteWait(payout.id, why);
      this.logger.warn(`Chain ${chainId}: payout ${payout.id} waits: ${why}`);
      return { result: { payoutId: payout.id, outcome: 'waiting' as const, transactionId: null }, lane: laneWide };
    };

    const held = payout.token.address
      ? await lane.client.readContract({ address: payout.token.address, abi: erc20Abi, functionName: 'balanceOf', args: [lane.gasPayer] })
      : await lane.client.getBalance({ address: lane.gasPayer });
    if (held < payout.amount) {
      return wait(`the payout wallet ${lane.gasPayer} holds ${fromBaseUnits(held, payout.token.decimals)} ${payout.token.symbol}, ${fromBaseUnits(payout.amount, payout.token.decimals)} are needed`);
    }
    let gas: bigint;
    try {
      gas = await lane.client.estimateGas({ account: lane.gasPayer, to: call.to, data: call.data, value: call.value });
    } catch (error) {
      const reason = shortMessage(error).slice(0, 500);
      if (/insufficient funds/i.test(reason)) return wait(`the payout wallet ${lane.gasPayer} cannot pay the gas: ${reason}`);
      await this.dataSource.transaction((manager) => this.outcomes.apply(manager, payout.id, { from: ['pending'], to: 'failed', failureReason: `the transfer would fail: ${reason}` }, now));
      this.logger.warn(`Chain ${chainId}: payout ${payout.id} would fail (${reason}); not sent`);
      return { result: { payoutId: payout.id, outcome: 'failed', transactionId: null }, lane: false };
    }

    const nonce = BigInt(await lane.client.getTransactionCount({ address: lane.gasPayer, blockTag: 'pending' }));
    const highest = await this.transactions.highestNonce(chainId, lane.gasPayer);
    if (highest !== null && nonce <= highest) {
      // The node has not seen a transaction Kassa already recorded for this nonce: never reuse it.
      return wait(`the node reports nonce ${nonce} for the payout wallet, but nonce ${highest} is recorded`, true);
    }
    const fees = await this.sender.marketFees(lane);
    const gasLimit = (gas * 5n) / 4n;
    const signed = await this.sender.sign(lane, { ...call, gas: gasLimit, nonce: Number(nonce) }, fees);
    const transactionId = newId('settlementTransaction', now.getTime());
    try {
      await this.dataSource.transaction(async (manager) => {
        await this.transactions.insert(manager, {
          id: transactionId,
          chainId,
          from: lane.gasPayer,
          to: getAddress(call.to),
          nonce,
          txHash: signed.txHash,
          rawTransaction: signed.rawTransaction,
          gasLimit,
          fees,
          batchSize: 1,
        });
        const sent = await this.outcomes.apply(manager, payout.id, { from: ['pending'], to: 'sent', transactionId, txHash: signed.txHash }, now);
        if (!sent) throw new PayoutTakenError();
      });
    } catch (error) {
      // A cancel came first: nothing was stored or sent; the next payout goes in the next run.
      if (error instanceof PayoutTakenError) return { result: { payoutId: payout.id, outcome: 'waiting', transactionId: null }, lane: true };
      throw error;
    }
    this.logger.log(`Chain ${chainId}: payout ${payout.id} of ${fromBaseUnits(payout.amount, payout.token.decimals)} ${payout.token.symbol} to ${payout.address} in ${signed.txHash} (nonce ${nonce})`);
    await this.sender.broadcast(lane, { id: transactionId, ...signed });
    return { result: { payoutId: payout.id, outcome: 'sent', transactionId }, lane: false };
  }
}

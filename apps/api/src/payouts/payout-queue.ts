import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import {
  type Address,
  assertWithinPayoutLimit,
  type MerchantId,
  newId,
  type Payout,
  type PayoutLimit,
  PayoutWalletMissingError,
  type TokenRef,
  toBaseUnits,
} from '@kassa/domain';
import { PayoutsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

/** A transfer to queue for the payout wallet. Amount in base units of `token` on `chainId`. */
export interface PayoutRequest {
  merchantId: MerchantId;
  chainId: number;
  token: TokenRef;
  amount: bigint;
  address: Address;
  refundId?: string;
  batchId?: string;
  description?: string | null;
  metadata?: Record<string, unknown>;
}

/** One rolling day, the window of `perDay` limits. */
const DAY_MS = 24 * 3600 * 1000;

/**
 * Queues transfers for the payout wallet (docs/refunds.md "Payouts"): checks the coin's
 * limits (`KASSA_PAYOUT_LIMITS`) under the coin's advisory lock, so concurrent requests
 * cannot together pass the daily limit, and stores the payout with its `payout.created`
 * event in the caller's transaction. The worker sends it.
 */
@Injectable()
export class PayoutQueue {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly payouts: PayoutsRepository,
    private readonly events: PaymentEventsService,
  ) {}

  /** True when a payout wallet is configured (it then pays on every configured chain). */
  get hasWallet(): boolean {
    return this.config.payouts.walletKey !== null;
  }

  /** How long a refund's approval link works, ms (`KASSA_REFUND_APPROVAL_TTL_SECONDS`). */
  get approvalTtlMs(): number {
    return this.config.payouts.approvalTtlSeconds * 1000;
  }

  /** The coin's limits in base units, or undefined when the coin is not listed. */
  limitOf(token: TokenRef): PayoutLimit | undefined {
    const limit = Object.entries(this.config.payouts.limits).find(([symbol]) => symbol.toUpperCase() === token.symbol.toUpperCase())?.[1];
    if (!limit) return undefined;
    // Limits are whole coins; a limit finer than the coin's decimals rounds down to what the coin can carry.
    const baseUnits = (value: string) => {
      const exact = truncate(value, token.decimals);
      return /^0+$/.test(exact.replace('.', '')) ? 0n : toBaseUnits(exact, token.decimals, 'KASSA_PAYOUT_LIMITS');
    };
    return { perPayout: baseUnits(limit.perPayout), perDay: baseUnits(limit.perDay) };
  }

  /**
   * Checks `amount` of the coin against the limits, holding the coin's limit lock until the
   * caller's transaction ends. What counts against the day: the payouts of the last 24 hours
   * that are not failed or canceled, and the refunds to be paid from the payout wallet that
   * still await their address.
   * @throws PayoutWalletMissingError (422) when no payout wallet is configured
   * @throws PayoutLimitExceededError (422) naming the limit and what is left of it
   */
  async checkLimits(manager: EntityManager, chainId: number, token: TokenRef, amount: bigint, now: Date): Promise<void> {
    if (!this.hasWallet) throw new PayoutWalletMissingError(chainId);
    const used = await this.payouts.lockAndSumSince(manager, chainId, token.symbol, new Date(now.getTime() - DAY_MS));
    assertWithinPayoutLimit(token, amount, this.limitOf(token), used);
  }

  /**
   * Stores a pending payout and its `payout.created` event (none for a refund's payout: its
   * refund announces itself), after checking the limits unless `limitsChecked` (a refund
   * whose amount was held against them when it was created).
   * @throws PayoutWalletMissingError, PayoutLimitExceededError (422)
   */
  async queue(manager: EntityManager, request: PayoutRequest, now: Date, options: { limitsChecked?: boolean } = {}): Promise<Payout> {
    if (!options.limitsChecked) await this.checkLimits(manager, request.chainId, request.token, request.amount, now);
    const payout: Payout = {
      id: newId('payout', now.getTime()),
      merchantId: request.merchantId,
      chainId: request.chainId,
      token: request.token,
      amount: request.amount,
      address: request.address,
      status: 'pending',
      refundId: request.refundId ?? null,
      batchId: request.batchId ?? null,
      description: request.description ?? null,
      metadata: request.metadata ?? {},
      transactionId: null,
      txHash: null,
      blockNumber: null,
      failureReason: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
      confirmedAt: null,
      canceledAt: null,
    };
    await this.payouts.insertMany(manager, [payout]);
    await this.events.recordPayout(manager, 'payout.created', payout, now);
    return payout;
  }
}

/** `value` with at most `decimals` fractional digits (rounded down). */
function truncate(value: string, decimals: number): string {
  const [whole, fraction = ''] = value.split('.');
  const kept = fraction.slice(0, decimals).replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole!;
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { Hex, Payout, PayoutStatus, RefundStatus } from '@kassa/domain';
import { PayoutsRepository, RefundsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

/** A payout's state change and what goes with it. */
export interface PayoutChange {
  from: readonly PayoutStatus[];
  to: Extract<PayoutStatus, 'sent' | 'confirmed' | 'failed' | 'pending'>;
  transactionId?: string | null;
  txHash?: Hex | null;
  blockNumber?: bigint | null;
  failureReason?: string;
}

/** The refund status each payout status brings its refund to. */
const REFUND_STATUS: Record<PayoutChange['to'], { from: readonly RefundStatus[]; to: RefundStatus }> = {
  sent: { from: ['pending'], to: 'sent' },
  confirmed: { from: ['sent'], to: 'confirmed' },
  failed: { from: ['pending', 'sent'], to: 'failed' },
  pending: { from: ['sent'], to: 'pending' },
};

/**
 * Applies a payout's state change in the caller's transaction, with its announcement: the
 * payout's `payout.*` event, or for a refund's payout the refund's matching change and its
 * `refund.*` event (a return to pending announces nothing: the merchant sees it on the objects).
 */
@Injectable()
export class PayoutOutcomes {
  constructor(
    private readonly payouts: PayoutsRepository,
    private readonly refunds: RefundsRepository,
    private readonly events: PaymentEventsService,
  ) {}

  /** @returns the changed payout, or null when it was not in one of `change.from` (another writer moved it) */
  async apply(manager: EntityManager, payoutId: string, change: PayoutChange, now: Date): Promise<Payout | null> {
    const { from, to, ...fields } = change;
    const payout = await this.payouts.transition(manager, payoutId, from, to, now, fields);
    if (!payout) return null;
    if (to !== 'pending') await this.events.recordPayout(manager, `payout.${to}`, payout, now);
    if (payout.refundId) {
      const step = REFUND_STATUS[to];
      const transfer = to === 'pending' ? null : { txHash: payout.txHash!, logIndex: null, blockNumber: payout.blockNumber };
      const refund = await this.refunds.transition(manager, payout.refundId, step.from, step.to, now, {
        ...(payout.txHash || to === 'pending' ? { transfer } : {}),
        ...(change.failureReason ? { failureReason: change.failureReason } : {}),
      });
      if (refund && to !== 'pending') await this.events.recordRefund(manager, `refund.${to}`, refund, now);
    }
    return payout;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { CANCELABLE_REFUND_STATUSES, ConflictError, type MerchantId, NotFoundError } from '@kassa/domain';
import { PayoutsRepository, RefundsRepository, type StoredRefund } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { PayoutQueue } from '../payouts/payout-queue';
import { refundPageToken } from './create-refund.use-case';

/**
 * What a merchant does with a refund after creating it: cancel it before it is sent, or
 * issue a new approval link. Each change is a conditional update on the state it leaves, in
 * one transaction with its payout and event, so a cancel and the worker's send cannot both win.
 */
@Injectable()
export class ManageRefundUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly refunds: RefundsRepository,
    private readonly payouts: PayoutsRepository,
    private readonly events: PaymentEventsService,
    private readonly payoutQueue: PayoutQueue,
  ) {}

  /**
   * Cancels a refund that nothing was signed for yet (awaiting its address, or pending and
   * its payout not taken by the worker), with `refund.canceled`.
   * @throws NotFoundError (404); ConflictError (409) once it is sent, confirmed, failed or canceled
   */
  async cancel(merchantId: MerchantId, id: string, now: Date = new Date()): Promise<StoredRefund> {
    return this.dataSource.transaction(async (manager) => {
      const refund = await this.refunds.findById(merchantId, id, manager);
      if (!refund) throw new NotFoundError('refund', id);
      const refused = () => new ConflictError(`Refund ${id} is ${refund.status}: only a refund that awaits its address or is pending can be canceled`);
      if (!CANCELABLE_REFUND_STATUSES.includes(refund.status)) throw refused();
      if (refund.payoutId && !(await this.payouts.transition(manager, refund.payoutId, ['pending'], 'canceled', now))) {
        throw new ConflictError(`Refund ${id} is being sent from the payout wallet and can no longer be canceled`);
      }
      const canceled = await this.refunds.transition(manager, id, CANCELABLE_REFUND_STATUSES, 'canceled', now);
      if (!canceled) throw refused();
      await this.events.recordRefund(manager, 'refund.canceled', canceled, now);
      return canceled;
    });
  }

  /**
   * Issues a new approval link (the old one stops working) valid for
   * `KASSA_REFUND_APPROVAL_TTL_SECONDS`, for a merchant-wallet refund not sent yet.
   * @throws NotFoundError (404); ConflictError (409) for a payout-wallet refund or one already sent
   */
  async renewApproval(merchantId: MerchantId, id: string, now: Date = new Date()): Promise<StoredRefund> {
    const refund = await this.refunds.findById(merchantId, id);
    if (!refund) throw new NotFoundError('refund', id);
    if (refund.method !== 'merchant_wallet') throw new ConflictError(`Refund ${id} is paid from the payout wallet: it has no approval link`);
    const renewed = await this.refunds.renewApproval(id, refundPageToken(), new Date(now.getTime() + this.payoutQueue.approvalTtlMs));
    if (!renewed) throw new ConflictError(`Refund ${id} is ${refund.status}: only a refund not sent yet gets a new approval link`);
    return renewed;
  }
}

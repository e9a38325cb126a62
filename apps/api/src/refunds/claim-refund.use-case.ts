import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ConflictError, ContractAddressError, NotFoundError } from '@kassa/domain';
import { RefundsRepository, type StoredRefund } from '@kassa/persistence';

import { PayoutQueue } from '../payouts/payout-queue';
import { parseRefundAddress, RefundAddressPolicy } from './refund-address';

/**
 * The customer gives the address of a refund on its claim page (docs/refunds.md "Claim
 * page"): checked (EIP-55 checksum, never a Kassa deposit address, a contract only once
 * confirmed), stored, and for the payout wallet the payout is queued (its amount was held
 * against the limits when the refund was created).
 * @throws NotFoundError (404) for an unknown token
 * @throws ValidationError (400) for a bad address; ContractAddressError (409) for an unconfirmed contract
 * @throws ConflictError (409) when the refund no longer awaits an address
 */
@Injectable()
export class ClaimRefundUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly refunds: RefundsRepository,
    private readonly addresses: RefundAddressPolicy,
    private readonly payoutQueue: PayoutQueue,
  ) {}

  async execute(token: string, input: { address: string; acceptContract: boolean }, now: Date = new Date()): Promise<StoredRefund> {
    const refund = await this.refunds.findByToken('claim', token);
    if (!refund) throw new NotFoundError('refund', 'claim link');
    const alreadyClaimed = () => new ConflictError(`This refund is ${refund.status.replace('_', ' ')}: its address can no longer be changed`);
    if (refund.status !== 'awaiting_address') throw alreadyClaimed();
    const address = parseRefundAddress(input.address);
    await this.addresses.assertAllowed(address);
    if (!input.acceptContract && (await this.addresses.isContract(refund.chainId, address))) throw new ContractAddressError(address);
    return this.dataSource.transaction(async (manager) => {
      const claimed = await this.refunds.setAddress(manager, refund.id, { address, source: 'customer', watchFromBlock: refund.watchFromBlock }, now);
      if (!claimed) throw alreadyClaimed();
      if (claimed.method === 'payout_wallet') {
        const payout = await this.payoutQueue.queue(
          manager,
          { merchantId: claimed.merchantId, chainId: claimed.chainId, token: claimed.token, amount: claimed.amount, address, refundId: claimed.id, description: `Refund ${claimed.id} of payment ${claimed.paymentId}` },
          now,
          { limitsChecked: true },
        );
        await this.refunds.attachPayout(manager, claimed.id, payout.id);
        claimed.payoutId = payout.id;
      }
      return claimed;
    });
  }
}

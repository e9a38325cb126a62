import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ChainRegistry, type ResolvedCurrency } from '@kassa/chain';
import { ConflictError, type MerchantId, NotFoundError, newId, type Payout, type PayoutObject, toBaseUnits, toPayoutObject, ValidationError } from '@kassa/domain';
import { PayoutsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { type CreatedResult, IdempotentRequests } from '../common/idempotent-requests';
import { parseRefundAddress, RefundAddressPolicy } from '../refunds/refund-address';
import type { CreatePayoutDto } from './dto/create-payout.dto';
import { PayoutQueue, type PayoutRequest } from './payout-queue';

/** A created batch: its id and its payouts, in request order. */
export interface PayoutBatchObject {
  object: 'payout_batch';
  id: string;
  payouts: PayoutObject[];
}

/**
 * Creates payouts from the payout wallet (docs/refunds.md "Payouts", `POST /v1/payouts` and
 * `/v1/payouts/batch`): each resolved to a coin on a chain, its address checked (EIP-55,
 * never a Kassa deposit address), its amount checked against the coin's limits, stored
 * pending with `payout.created`. A batch is created whole or not at all.
 * @throws ValidationError (400) naming the field (`payouts[i].amount` in a batch)
 * @throws PayoutWalletMissingError, PayoutLimitExceededError (422)
 * @throws IdempotencyKeyReusedError (409)
 */
@Injectable()
export class CreatePayoutsUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly idempotent: IdempotentRequests,
    private readonly payoutQueue: PayoutQueue,
    private readonly addresses: RefundAddressPolicy,
    private readonly payouts: PayoutsRepository,
    private readonly events: PaymentEventsService,
  ) {}

  async createOne(merchantId: MerchantId, input: CreatePayoutDto, idempotencyKey?: string): Promise<CreatedResult<PayoutObject>> {
    const request = await this.resolve(input, '');
    return this.idempotent.run(merchantId, idempotencyKey, { route: 'POST /v1/payouts', body: input }, async (manager) => {
      const payout = await this.payoutQueue.queue(manager, { merchantId, ...request }, new Date());
      return { body: toPayoutObject(payout), resourceId: payout.id };
    });
  }

  async createBatch(merchantId: MerchantId, inputs: readonly CreatePayoutDto[], idempotencyKey?: string): Promise<CreatedResult<PayoutBatchObject>> {
    const requests: Omit<PayoutRequest, 'merchantId'>[] = [];
    for (const [index, input] of inputs.entries()) requests.push(await this.resolve(input, `payouts[${index}].`));
    return this.idempotent.run(merchantId, idempotencyKey, { route: 'POST /v1/payouts/batch', body: inputs }, async (manager) => {
      const now = new Date();
      const batchId = newId('payoutBatch', now.getTime());
      const created: Payout[] = [];
      for (const request of requests) created.push(await this.payoutQueue.queue(manager, { merchantId, ...request, batchId }, now));
      return { body: { object: 'payout_batch', id: batchId, payouts: created.map(toPayoutObject) }, resourceId: batchId };
    });
  }

  /**
   * Cancels a payout the worker has not signed yet, with `payout.canceled`.
   * @throws NotFoundError (404); ConflictError (409) for a refund's payout (cancel the refund) or one already sent
   */
  async cancel(merchantId: MerchantId, id: string, now: Date = new Date()): Promise<Payout> {
    return this.dataSource.transaction(async (manager) => {
      const payout = await this.payouts.findById(merchantId, id, manager);
      if (!payout) throw new NotFoundError('payout', id);
      if (payout.refundId) throw new ConflictError(`Payout ${id} pays refund ${payout.refundId}: cancel the refund instead`);
      const canceled = await this.payouts.transition(manager, id, ['pending'], 'canceled', now);
      if (!canceled) throw new ConflictError(`Payout ${id} is ${payout.status}: only a pending payout can be canceled`);
      await this.events.recordPayout(manager, 'payout.canceled', canceled, now);
      return canceled;
    });
  }

  /** The payout request of one entry. @throws ValidationError naming `<prefix><field>` */
  private async resolve(input: CreatePayoutDto, prefix: string): Promise<Omit<PayoutRequest, 'merchantId'>> {
    let resolved: ResolvedCurrency;
    try {
      resolved = this.chains.resolve(input.currency, input.chainId);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(error.errors.map((fault) => ({ ...fault, field: `${prefix}${fault.field}` })));
      throw error;
    }
    const { chain, token } = resolved;
    const address = parseRefundAddress(input.address, `${prefix}address`);
    await this.addresses.assertAllowed(address, `${prefix}address`);
    return {
      chainId: chain.chainId,
      token,
      amount: toBaseUnits(input.amount, token.decimals, `${prefix}amount`),
      address,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
    };
  }
}


import { randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  type Address,
  assertRefundAllowed,
  defaultRefundAmount,
  NotFoundError,
  newId,
  type MerchantId,
  type Payment,
  paymentRefundable,
  RefundNotAllowedError,
  type RefundObject,
  toBaseUnits,
  UNKNOWN_SENDER,
  ValidationError,
} from '@kassa/domain';
import { ChainCursorsRepository, PaymentsRepository, RefundObjectsService, RefundsRepository, type StoredRefund, TransfersRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { type CreatedResult, IdempotentRequests } from '../common/idempotent-requests';
import { PayoutQueue } from '../payouts/payout-queue';
import type { CreateRefundDto } from './dto/create-refund.dto';
import { parseRefundAddress, RefundAddressPolicy } from './refund-address';

/** A random capability for a hosted refund page: 24 bytes, base64url. */
export const refundPageToken = (): string => randomBytes(24).toString('base64url');

/**
 * Creates a refund of a payment (docs/refunds.md, `POST /v1/payments/{id}/refunds`), in the
 * coin and on the chain the payment was paid in. Under the payment's row lock (the lock its
 * evaluation takes), so concurrent refunds and a concurrent evaluation are serialised: the
 * sum of a payment's refunds that are not failed or canceled never exceeds the confirmed
 * value it received. With an address and the payout wallet, the payout is queued in the same
 * transaction; without an address the customer gives it on the claim page.
 * @throws NotFoundError (404) for another merchant's or an unknown payment
 * @throws ValidationError (400) for a bad amount or address, or a sender that cannot be told
 * @throws RefundNotAllowedError, RefundExceedsReceivedError (409)
 * @throws PayoutWalletMissingError, PayoutLimitExceededError (422) for the payout wallet
 * @throws IdempotencyKeyReusedError (409)
 */
@Injectable()
export class CreateRefundUseCase {
  constructor(
    private readonly idempotent: IdempotentRequests,
    private readonly payments: PaymentsRepository,
    private readonly transfers: TransfersRepository,
    private readonly cursors: ChainCursorsRepository,
    private readonly refunds: RefundsRepository,
    private readonly objects: RefundObjectsService,
    private readonly events: PaymentEventsService,
    private readonly payoutQueue: PayoutQueue,
    private readonly addresses: RefundAddressPolicy,
  ) {}

  async execute(merchantId: MerchantId, paymentId: string, input: CreateRefundDto, idempotencyKey?: string): Promise<CreatedResult<RefundObject>> {
    if (input.address !== undefined && input.refundToSender) throw ValidationError.field('refundToSender', 'cannot be given with address');
    const given = input.address === undefined ? null : parseRefundAddress(input.address);
    if (given) await this.addresses.assertAllowed(given);
    const method = input.method ?? (this.payoutQueue.hasWallet ? 'payout_wallet' : 'merchant_wallet');
    return this.idempotent.run(merchantId, idempotencyKey, { route: `POST /v1/payments/${paymentId}/refunds`, body: input }, async (manager) => {
      const refund = await this.create(manager, merchantId, paymentId, input, given, method, new Date());
      return { body: this.objects.build(refund), resourceId: refund.id };
    });
  }

  private async create(
    manager: EntityManager,
    merchantId: MerchantId,
    paymentId: string,
    input: CreateRefundDto,
    given: Address | null,
    method: StoredRefund['method'],
    now: Date,
  ): Promise<StoredRefund> {
    const [payment] = await this.payments.lockForEvaluation([paymentId], manager);
    if (!payment || payment.merchantId !== merchantId) throw new NotFoundError('payment', paymentId);
    const transfers = await this.transfers.listByPayment(payment.id, manager);
    const heads = await this.cursors.heads([payment.chainId], manager);
    const earlier = (await this.refunds.listByPayments([payment.id], manager)).get(payment.id) ?? [];
    const refundable = paymentRefundable(payment, transfers, heads, earlier);
    const amount = input.amount === undefined ? defaultRefundAmount(payment, refundable) : toBaseUnits(input.amount, payment.token.decimals);
    if (amount === 0n) throw new RefundNotAllowedError(payment.id, `nothing is left to refund (received ${refundable.received}, refunded ${refundable.refunded} base units)`);
    assertRefundAllowed(payment, refundable, amount);

    const address = given ?? (input.refundToSender ? this.senderOf(payment, transfers) : null);
    if (address && input.refundToSender) await this.addresses.assertAllowed(address, 'refundToSender');
    if (method === 'payout_wallet') await this.payoutQueue.checkLimits(manager, payment.chainId, payment.token, amount, now);

    const refund: StoredRefund = {
      id: newId('refund', now.getTime()),
      merchantId,
      paymentId: payment.id,
      chainId: payment.chainId,
      token: payment.token,
      amount,
      reason: input.reason ?? null,
      method,
      status: address ? 'pending' : 'awaiting_address',
      address,
      addressSource: given ? 'merchant' : address ? 'sender' : null,
      payoutId: null,
      claimToken: refundPageToken(),
      approvalToken: refundPageToken(),
      approvalExpiresAt: method === 'merchant_wallet' ? new Date(now.getTime() + this.payoutQueue.approvalTtlMs) : null,
      watchFromBlock: method === 'merchant_wallet' ? (heads.get(payment.chainId) ?? null) : null,
      reportedTxHash: null,
      txHash: null,
      logIndex: null,
      blockNumber: null,
      failureReason: null,
      createdAt: now,
      sentAt: null,
      confirmedAt: null,
      canceledAt: null,
    };
    await this.refunds.insert(manager, refund);
    if (method === 'payout_wallet' && address) {
      const payout = await this.payoutQueue.queue(
        manager,
        { merchantId, chainId: refund.chainId, token: refund.token, amount, address, refundId: refund.id, description: `Refund ${refund.id} of payment ${payment.id}` },
        now,
        { limitsChecked: true },
      );
      await this.refunds.attachPayout(manager, refund.id, payout.id);
      refund.payoutId = payout.id;
    }
    await this.events.recordRefund(manager, 'refund.created', refund, now);
    return refund;
  }

  /**
   * The one address the payment's counted value came from (`refundToSender`).
   * @throws ValidationError when it came from several addresses, or from none Kassa knows
   */
  private senderOf(payment: Payment, transfers: readonly { from: Address; status: string; chainId: number; tokenAddress: Address | null }[]): Address {
    const senders = new Set(
      transfers
        .filter((transfer) => transfer.status === 'active' && transfer.chainId === payment.chainId && (transfer.tokenAddress?.toLowerCase() ?? null) === (payment.token.address?.toLowerCase() ?? null))
        .map((transfer) => transfer.from),
    );
    if (senders.has(UNKNOWN_SENDER)) throw ValidationError.field('refundToSender', 'part of the value came from an unknown sender (an internal transfer); give the address');
    if (senders.size !== 1) throw ValidationError.field('refundToSender', `the payment's value came from ${senders.size} addresses; give the address`);
    return parseRefundAddress([...senders][0]!, 'refundToSender');
  }
}

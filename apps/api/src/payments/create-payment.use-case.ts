import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ChainRegistry, depositAddress, formatWatchedPaymentNotice, paymentSalt, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import {
  IdempotencyKeyReusedError,
  type MerchantId,
  minimumAccepted,
  newId,
  NotFoundError,
  type Payment,
  type PaymentObject,
  toBaseUnits,
} from '@kassa/domain';
import { IdempotencyKeysRepository, MerchantsRepository, PaymentsRepository } from '@kassa/persistence';
import { PaymentEventsService, PaymentObjectsService } from '@kassa/webhooks';

import type { CreatePaymentDto } from './dto/create-payment.dto';

/** The response of a create request, as first answered (replayed for the same idempotency key). */
export interface CreatePaymentResult {
  status: 201;
  body: PaymentObject;
  replayed: boolean;
}

/** SHA-256 of the request body in a canonical form (keys sorted), to recognise a repeated request. */
function requestHash(body: object): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
      : Array.isArray(value) ? value.map(canonical) : value;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

/**
 * Creates a payment (DESIGN.md "Merchant API", `POST /v1/payments`): resolves the currency
 * and chain, converts the decimal amount to base units, derives the CREATE2 deposit address
 * bound to the merchant's treasury, and writes the payment with its `payment.created`
 * event in one transaction. With an idempotency key, the same key and body replay the
 * first response and another body is a conflict (Stripe-style idempotency).
 * @throws ValidationError (400) naming the field for a bad amount, currency or chain
 * @throws IdempotencyKeyReusedError (409) for the same key with another body
 */
@Injectable()
export class CreatePaymentUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly merchants: MerchantsRepository,
    private readonly payments: PaymentsRepository,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly events: PaymentEventsService,
    private readonly objects: PaymentObjectsService,
  ) {}

  async execute(merchantId: MerchantId, input: CreatePaymentDto, idempotencyKey?: string): Promise<CreatePaymentResult> {
    const hash = idempotencyKey ? requestHash(input) : '';
    if (idempotencyKey) {
      const replay = await this.replay(merchantId, idempotencyKey, hash);
      if (replay) return replay;
    }
    const merchant = await this.merchants.findById(merchantId);
    if (!merchant) throw new NotFoundError('merchant', merchantId);
    const { chain, token } = this.chains.resolve(input.currency, input.chainId);
    const amount = toBaseUnits(input.amount, token.decimals, 'amount');

    const now = new Date();
    const id = newId('payment', now.getTime());
    const salt = paymentSalt(id);
    const payment: Payment = {
      id,
      merchantId,
      status: 'CREATED',
      exception: null,
      chainId: chain.chainId,
      token,
      amount,
      amountMinimum: minimumAccepted(amount, merchant.tolerancePercent),
      amountReceived: 0n,
      depositAddress: depositAddress({
        factory: chain.factoryAddress,
        implementation: chain.implementationAddress,
        treasury: merchant.treasuryAddress,
        salt,
      }),
      salt,
      treasuryAddress: merchant.treasuryAddress,
      factoryAddress: chain.factoryAddress,
      requiredConfirmations: chain.confirmations,
      orderId: input.orderId ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      successUrl: input.successUrl ?? null,
      cancelUrl: input.cancelUrl ?? null,
      expiresAt: new Date(now.getTime() + (input.expiresInSeconds ?? merchant.defaultExpiresInSeconds) * 1000),
      createdAt: now,
      paidAt: null,
      finalizedAt: null,
    };

    const outcome = await this.dataSource.transaction(async (manager) => {
      await this.payments.insert(payment, manager);
      await this.events.record(manager, 'payment.created', payment.id, now);
      // Tells the chain watcher to watch the new deposit address from this commit on.
      await manager.query('SELECT pg_notify($1, $2)', [
        WATCHED_PAYMENTS_CHANNEL,
        formatWatchedPaymentNotice({ chainId: payment.chainId, depositAddress: payment.depositAddress, paymentId: payment.id }),
      ]);
      const body = await this.objects.build(payment, manager);
      if (idempotencyKey) {
        const saved = await this.idempotencyKeys.save(
          { merchantId, key: idempotencyKey, requestHash: hash, responseStatus: 201, responseBody: body, resourceId: payment.id },
          manager,
        );
        // A concurrent request with the same key won: undo ours and answer with theirs.
        if (!saved) throw new LostIdempotencyRace();
      }
      return body;
    }).catch(async (error: unknown) => {
      if (error instanceof LostIdempotencyRace && idempotencyKey) {
        const replay = await this.replay(merchantId, idempotencyKey, hash);
        if (replay) return replay;
      }
      throw error;
    });
    return 'replayed' in outcome ? outcome : { status: 201, body: outcome, replayed: false };
  }

  private async replay(merchantId: MerchantId, key: string, hash: string): Promise<CreatePaymentResult | null> {
    const record = await this.idempotencyKeys.find(merchantId, key);
    if (!record) return null;
    if (record.requestHash !== hash) throw new IdempotencyKeyReusedError(key);
    return { status: 201, body: record.responseBody as PaymentObject, replayed: true };
  }
}

class LostIdempotencyRace extends Error {}

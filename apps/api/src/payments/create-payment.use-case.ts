import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ChainRegistry, depositAddress, formatWatchedPaymentNotice, paymentSalt, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import {
  buildEventPayload,
  IdempotencyKeyReusedError,
  type MerchantId,
  minimumAccepted,
  newId,
  type Payment,
  type PaymentObject,
  toBaseUnits,
} from '@kassa/domain';
import { EventsRepository, IdempotencyKeysRepository, type Merchant, treasuryForChain } from '@kassa/persistence';
import { OUTBOX_NOTIFY_CHANNEL, PaymentObjectsService } from '@kassa/webhooks';

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
 * bound to the merchant's treasury on that chain (its default treasury when the chain has
 * none of its own), and writes the payment with its `payment.created`
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
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly events: EventsRepository,
    private readonly objects: PaymentObjectsService,
  ) {}

  /**
   * @param merchant the merchant with its settings as read with the API key (no query here)
   */
  async execute(merchant: Merchant, input: CreatePaymentDto, idempotencyKey?: string): Promise<CreatePaymentResult> {
    const merchantId = merchant.id;
    const hash = idempotencyKey ? requestHash(input) : '';
    if (idempotencyKey) {
      const replay = await this.replay(merchantId, idempotencyKey, hash);
      if (replay) return replay;
    }
    const { chain, token } = this.chains.resolve(input.currency, input.chainId);
    const amount = toBaseUnits(input.amount, token.decimals, 'amount');

    const treasury = treasuryForChain(merchant, chain.chainId);
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
        treasury,
        salt,
      }),
      salt,
      treasuryAddress: treasury,
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

    const body = this.objects.buildNew(payment);
    const event = { merchantId, type: 'payment.created' as const, paymentId: payment.id, payload: buildEventPayload(newId('event', now.getTime()), 'payment.created', now, body) };
    const notifications = [
      // Tells the chain watcher to watch the new deposit address from this commit on ...
      {
        channel: WATCHED_PAYMENTS_CHANNEL,
        payload: formatWatchedPaymentNotice({ chainId: payment.chainId, depositAddress: payment.depositAddress, paymentId: payment.id }),
      },
      // ... and the workers to deliver payment.created.
      { channel: OUTBOX_NOTIFY_CHANNEL, payload: event.payload.id },
    ];
    if (!idempotencyKey) {
      // One statement: the payment, its event and deliveries, and the notifications commit together.
      await this.events.appendWithNewPayment(this.dataSource.manager, payment, event, notifications);
      return { status: 201, body, replayed: false };
    }

    const outcome = await this.dataSource.transaction(async (manager) => {
      await this.events.appendWithNewPayment(manager, payment, event, notifications);
      const saved = await this.idempotencyKeys.save(
        { merchantId, key: idempotencyKey, requestHash: hash, responseStatus: 201, responseBody: body, resourceId: payment.id },
        manager,
      );
      // A concurrent request with the same key won: undo ours and answer with theirs.
      if (!saved) throw new LostIdempotencyRace();
      return body;
    }).catch(async (error: unknown) => {
      if (error instanceof LostIdempotencyRace) {
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

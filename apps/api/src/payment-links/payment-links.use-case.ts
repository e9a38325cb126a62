import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig, publicUrlOf } from '@kassa/config';
import {
  type MerchantId,
  newId,
  NotFoundError,
  type PaymentLink,
  type PaymentLinkObject,
  paymentLinkStatus,
  PaymentLinkUnavailableError,
  type PaymentLinkTemplate,
  toPaymentLinkObject,
  ValidationError,
} from '@kassa/domain';
import { MerchantsRepository, PaymentLinksRepository } from '@kassa/persistence';

import { type CreatedResult, IdempotentRequests } from '../common/idempotent-requests';
import { CreatePaymentUseCase } from '../payments/create-payment.use-case';
import type { CreatePaymentLinkDto } from './dto/create-payment-link.dto';

/**
 * Payment links (docs/payment-links.md; the flow of Stripe Payment Links and Coinbase
 * Commerce checkouts): a merchant makes a link once; every visit of its public URL creates
 * a payment from the link's template and sends the customer to that payment's checkout.
 */
@Injectable()
export class PaymentLinksUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: PaymentLinksRepository,
    private readonly merchants: MerchantsRepository,
    private readonly createPayment: CreatePaymentUseCase,
    private readonly requests: IdempotentRequests,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
  ) {}

  /**
   * Makes a link. Its coins are checked as a payment's would be (a known coin on a
   * configured chain, an amount within the token's decimals, a valid price); rates are
   * looked up at each visit, not now.
   * @throws ValidationError (400) naming the fields at fault, or a past `expiresAt`
   * @throws IdempotencyKeyReusedError (409) for the same key with another body
   */
  async create(merchantId: MerchantId, body: CreatePaymentLinkDto, idempotencyKey: string | undefined): Promise<CreatedResult<PaymentLinkObject>> {
    const { reusable, expiresAt, ...fields } = body;
    const template = withoutUndefined(fields) as PaymentLinkTemplate;
    this.createPayment.checkCoins(template);
    const now = new Date();
    const expiry = expiresAt === undefined ? null : new Date(expiresAt);
    if (expiry !== null && expiry.getTime() <= now.getTime()) throw ValidationError.field('expiresAt', 'must be in the future');
    return this.requests.run(merchantId, idempotencyKey, { route: 'POST /v1/payment-links', body }, async (manager) => {
      const link: PaymentLink = { id: newId('paymentLink', now.getTime()), merchantId, template, reusable: reusable ?? true, expiresAt: expiry, createdAt: now, deactivatedAt: null, paid: false };
      await this.links.insert(link, manager);
      return { body: this.object(link, now), resourceId: link.id };
    });
  }

  /**
   * A visit of the link's public URL: creates a payment from its template (with the link's
   * id on it) and returns its id. Visits of one link decide one at a time under the link's
   * row lock, so a single-use link never has two open payments: while one is open (CREATED
   * before its deadline, or PENDING) every visitor is sent to it, and once one is PAID the
   * link creates nothing more.
   * @returns the id of the payment whose checkout the visitor is sent to
   * @throws NotFoundError (404) for an unknown link
   * @throws PaymentLinkUnavailableError (410) for a deactivated, expired or completed link
   * @throws QuoteUnavailableError (422) when none of a priced link's coins has a rate now
   */
  async visit(linkId: string): Promise<string> {
    const now = new Date();
    const link = await this.links.findPublic(linkId);
    if (!link) throw new NotFoundError('payment link', linkId);
    assertUsable(link, now);
    const merchant = await this.merchants.findById(link.merchantId);
    if (!merchant) throw new NotFoundError('payment link', linkId);
    // Quoted before the lock is taken: rate lookups may wait on a price feed.
    const prepared = await this.createPayment.prepare(merchant, link.template, now, link.id);
    return this.dataSource.transaction(async (manager) => {
      const locked = (await this.links.findPublic(linkId, manager, true))!;
      assertUsable(locked, now);
      if (!locked.reusable) {
        const state = await this.links.visitState(manager, linkId, now);
        if (state.paid) throw new PaymentLinkUnavailableError(linkId, 'completed');
        if (state.openPaymentId !== null) return state.openPaymentId;
      }
      await this.createPayment.store(manager, prepared);
      return prepared.payment.id;
    });
  }

  /**
   * The link behind a public URL, whoever's it is (its QR code).
   * @throws NotFoundError for an unknown link
   */
  async publicLink(linkId: string): Promise<PaymentLinkObject> {
    const link = await this.links.findPublic(linkId);
    if (!link) throw new NotFoundError('payment link', linkId);
    return this.object(link);
  }

  /** The link object as merchants see it now. */
  object(link: PaymentLink, now: Date = new Date()): PaymentLinkObject {
    return toPaymentLinkObject(link, publicUrlOf(this.config), now);
  }
}

/** @throws PaymentLinkUnavailableError unless the link is active at `now` */
function assertUsable(link: PaymentLink, now: Date): void {
  const status = paymentLinkStatus(link, now);
  if (status !== 'active') throw new PaymentLinkUnavailableError(link.id, status);
}

/** The object's own fields that are not undefined, as plain JSON (nested DTO instances included). */
function withoutUndefined(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

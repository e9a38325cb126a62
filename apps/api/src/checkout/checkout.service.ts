import { Inject, Injectable } from '@nestjs/common';

import { ChainRegistry } from '@kassa/chain';
import { isId, NotFoundError, type Payment } from '@kassa/domain';
import { MerchantsRepository, PaymentObjectsService, PaymentsRepository } from '@kassa/persistence';

import { type PublicPayment, toPublicPayment } from './public-payment';

/** What the checkout needs about the merchant: its display name and where it may embed the page. */
export interface CheckoutMerchant {
  name: string;
  /** Origins allowed to frame the page and to receive its `kassa:payment` messages. */
  allowedOrigins: string[];
}

/** A payment's checkout: its public fields and its merchant's public face. */
export interface Checkout {
  payment: PublicPayment;
  merchant: CheckoutMerchant;
}

/**
 * Reads payments for the public checkout routes. The payment id is the capability: anyone
 * who has it sees the payment's public fields, and nothing else of the merchant's.
 */
@Injectable()
export class CheckoutService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly merchants: MerchantsRepository,
    private readonly objects: PaymentObjectsService,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
  ) {}

  /**
   * The checkout of payment `id`, with its merchant.
   * @throws NotFoundError for an id that is malformed or names no payment
   */
  async open(id: string): Promise<Checkout> {
    const payment = await this.find(id);
    const merchant = await this.merchants.findById(payment.merchantId);
    if (!merchant) throw new NotFoundError('payment', id);
    const checkoutMerchant = { name: merchant.name, allowedOrigins: merchant.allowedOrigins };
    return { payment: await this.publicPayment(payment, checkoutMerchant.name), merchant: checkoutMerchant };
  }

  /**
   * The current public state of payment `id` for a checkout already opened (the merchant is
   * not read again).
   * @returns null when the payment no longer exists
   */
  async current(id: string, merchantName: string): Promise<PublicPayment | null> {
    const payment = await this.payments.findByIdUnscoped(id);
    return payment ? this.publicPayment(payment, merchantName) : null;
  }

  private async publicPayment(payment: Payment, merchantName: string): Promise<PublicPayment> {
    const object = await this.objects.build(payment);
    return toPublicPayment(
      object,
      merchantName,
      (chainId) => this.chains.find(chainId)?.name ?? `Chain ${chainId}`,
      (chainId) => this.chains.find(chainId)?.explorerUrl ?? null,
    );
  }

  private async find(id: string): Promise<Payment> {
    const payment = isId('payment', id) ? await this.payments.findByIdUnscoped(id) : null;
    if (!payment) throw new NotFoundError('payment', id);
    return payment;
  }
}

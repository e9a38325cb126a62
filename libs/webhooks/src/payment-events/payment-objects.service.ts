import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { paymentUri } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig, publicUrlOf } from '@kassa/config';
import { type Payment, type PaymentObject, toPaymentObject, type Transfer } from '@kassa/domain';
import { ChainCursorsRepository, TransfersRepository } from '@kassa/persistence';

/**
 * Builds the public payment object (DESIGN.md "Merchant API") with its links: the EIP-681
 * `paymentUri` and the hosted `checkoutUrl`. Confirmations are counted against the
 * watcher's cursor, the last block whose transfers are stored.
 */
@Injectable()
export class PaymentObjectsService {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly transfers: TransfersRepository,
    private readonly cursors: ChainCursorsRepository,
  ) {}

  /** The `checkoutUrl` of a payment: `<public URL>/pay/<id>`. */
  checkoutUrl(paymentId: string): string {
    return `${publicUrlOf(this.config)}/pay/${paymentId}`;
  }

  /** The EIP-681 URI that pays the whole amount (EIP-681, see `@kassa/chain` `paymentUri`). */
  paymentUri(payment: Payment): string {
    return paymentUri({ chainId: payment.chainId, depositAddress: payment.depositAddress, amount: payment.amount, token: payment.token.address });
  }

  /** One payment object, loading its transfers and the chain cursor (in `manager`'s transaction when given). */
  async build(payment: Payment, manager?: EntityManager): Promise<PaymentObject> {
    const [transfers, cursor] = await Promise.all([
      this.transfers.listByPayment(payment.id, manager),
      this.cursors.get(payment.chainId, manager),
    ]);
    return this.assemble(payment, transfers, cursor?.blockNumber ?? null);
  }

  /** Payment objects for a page of payments, with two queries in all. */
  async buildMany(payments: readonly Payment[]): Promise<PaymentObject[]> {
    const transfers = await this.transfers.listByPayments(payments.map((payment) => payment.id));
    const chainIds = [...new Set(payments.map((payment) => payment.chainId))];
    const cursors = new Map(
      await Promise.all(chainIds.map(async (chainId) => [chainId, (await this.cursors.get(chainId))?.blockNumber ?? null] as const)),
    );
    return payments.map((payment) => this.assemble(payment, transfers.get(payment.id) ?? [], cursors.get(payment.chainId) ?? null));
  }

  private assemble(payment: Payment, transfers: readonly Transfer[], head: bigint | null): PaymentObject {
    return toPaymentObject(payment, transfers, head, { paymentUri: this.paymentUri(payment), checkoutUrl: this.checkoutUrl(payment.id) });
  }
}

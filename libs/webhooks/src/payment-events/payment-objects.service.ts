import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { paymentUri } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig, publicUrlOf } from '@kassa/config';
import {
  type Payment,
  type PaymentObject,
  type PaymentSettlementState,
  paymentSettlementOf,
  toPaymentObject,
  type Transfer,
} from '@kassa/domain';
import { ChainCursorsRepository, SettlementsRepository, TransfersRepository } from '@kassa/persistence';

/**
 * Builds the public payment object (DESIGN.md "Merchant API") with its links: the EIP-681
 * `paymentUri` and the hosted `checkoutUrl`. Confirmations are counted against the
 * watcher's cursor, the last block whose transfers are stored. `settlement` shows where the
 * deposit address's funds stand (docs/settlement.md).
 */
@Injectable()
export class PaymentObjectsService {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly transfers: TransfersRepository,
    private readonly cursors: ChainCursorsRepository,
    private readonly settlements: SettlementsRepository,
  ) {}

  /** The `checkoutUrl` of a payment: `<public URL>/pay/<id>`. */
  checkoutUrl(paymentId: string): string {
    return `${publicUrlOf(this.config)}/pay/${paymentId}`;
  }

  /** The EIP-681 URI that pays the whole amount (EIP-681, see `@kassa/chain` `paymentUri`). */
  paymentUri(payment: Payment): string {
    return paymentUri({ chainId: payment.chainId, depositAddress: payment.depositAddress, amount: payment.amount, token: payment.token.address });
  }

  /**
   * The object of a payment not stored yet (being created): no transfers, no settlement,
   * so no query. The same object {@link build} returns once it is stored.
   */
  buildNew(payment: Payment): PaymentObject {
    return this.assemble(payment, [], null, undefined);
  }

  /** One payment object, loading its transfers and the chain cursor (in `manager`'s transaction when given). */
  async build(payment: Payment, manager?: EntityManager): Promise<PaymentObject> {
    // One after the other: a transaction's manager has a single connection, which pg
    // cannot share between concurrent queries.
    const transfers = await this.transfers.listByPayment(payment.id, manager);
    const cursor = await this.cursors.get(payment.chainId, manager);
    const settlements = await this.settlements.paymentStates([payment.id], manager);
    return this.assemble(payment, transfers, cursor?.blockNumber ?? null, settlements.get(payment.id));
  }

  /**
   * Payment objects for a page of payments, with three queries and one per chain in all
   * (in `manager`'s transaction when given; its queries then run one after the other).
   */
  async buildMany(payments: readonly Payment[], manager?: EntityManager): Promise<PaymentObject[]> {
    const ids = payments.map((payment) => payment.id);
    const chainIds = [...new Set(payments.map((payment) => payment.chainId))];
    let transfers: Map<string, Transfer[]>;
    let settlements: Map<string, PaymentSettlementState>;
    let cursors: Map<number, bigint | null>;
    if (manager) {
      // One connection: no concurrent queries on it.
      transfers = await this.transfers.listByPayments(ids, manager);
      settlements = await this.settlements.paymentStates(ids, manager);
      cursors = new Map();
      for (const chainId of chainIds) cursors.set(chainId, (await this.cursors.get(chainId, manager))?.blockNumber ?? null);
    } else {
      [transfers, settlements] = await Promise.all([this.transfers.listByPayments(ids), this.settlements.paymentStates(ids)]);
      cursors = new Map(
        await Promise.all(chainIds.map(async (chainId) => [chainId, (await this.cursors.get(chainId))?.blockNumber ?? null] as const)),
      );
    }
    return payments.map((payment) =>
      this.assemble(payment, transfers.get(payment.id) ?? [], cursors.get(payment.chainId) ?? null, settlements.get(payment.id)),
    );
  }

  private assemble(payment: Payment, transfers: readonly Transfer[], head: bigint | null, settlement: PaymentSettlementState | undefined): PaymentObject {
    return toPaymentObject(
      payment,
      transfers,
      head,
      { paymentUri: this.paymentUri(payment), checkoutUrl: this.checkoutUrl(payment.id) },
      settlement ? paymentSettlementOf(payment.status, settlement) : null,
    );
  }
}
